-- A vote is either approve/reject on a proposal ("approval": passes when the approving option
-- meets the rule) or a choice between options ("choice": the option that meets the rule is chosen,
-- or none is). Existing votes are approval votes.
ALTER TABLE votes ADD COLUMN kind TEXT NOT NULL DEFAULT 'approval' CHECK (kind IN ('approval', 'choice'));
