-- The database itself refuses an answer to a closed form or after the deadline, and any change
-- to an answer once sent.
CREATE TRIGGER opinion_answers_open BEFORE INSERT ON opinion_answers
WHEN (SELECT f.status <> 'open' OR julianday(NEW.answered_at) > julianday(f.deadline) FROM opinion_forms f WHERE f.id = NEW.form_id)
BEGIN
    SELECT RAISE(ABORT, 'opinion form is closed or past its deadline');
END;
CREATE TRIGGER opinion_answers_final_update BEFORE UPDATE ON opinion_answers
BEGIN
    SELECT RAISE(ABORT, 'opinion answers are final');
END;
CREATE TRIGGER opinion_answers_final_delete BEFORE DELETE ON opinion_answers
BEGIN
    SELECT RAISE(ABORT, 'opinion answers are final');
END;
CREATE TRIGGER opinion_items_final_update BEFORE UPDATE ON opinion_answer_items
BEGIN
    SELECT RAISE(ABORT, 'opinion answers are final');
END;
CREATE TRIGGER opinion_items_final_delete BEFORE DELETE ON opinion_answer_items
BEGIN
    SELECT RAISE(ABORT, 'opinion answers are final');
END;
