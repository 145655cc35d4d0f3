-- The database itself refuses an answer to a closed form or after the deadline, and any change
-- to an answer once sent.
CREATE FUNCTION opinion_answer_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM opinion_forms f WHERE f.id = NEW.form_id AND (f.status <> 'open' OR NEW.answered_at > f.deadline)) THEN
        RAISE EXCEPTION 'opinion form is closed or past its deadline' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER opinion_answers_open BEFORE INSERT ON opinion_answers FOR EACH ROW EXECUTE FUNCTION opinion_answer_open();

CREATE FUNCTION opinion_answer_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'opinion answers are final' USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER opinion_answers_final BEFORE UPDATE OR DELETE ON opinion_answers FOR EACH ROW EXECUTE FUNCTION opinion_answer_final();
CREATE TRIGGER opinion_items_final BEFORE UPDATE OR DELETE ON opinion_answer_items FOR EACH ROW EXECUTE FUNCTION opinion_answer_final();
