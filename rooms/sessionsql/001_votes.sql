-- Votes (biểu quyết). See rooms/ballot.go for how a secret ballot keeps no link between a voter
-- and a choice.
CREATE TABLE votes (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    agenda_item_id BIGINT REFERENCES agenda_items(id),
    document_id BIGINT,
    question TEXT NOT NULL,
    options TEXT NOT NULL,
    approve_option INTEGER NOT NULL,
    secret BOOLEAN NOT NULL,
    live_results BOOLEAN NOT NULL,
    electorate TEXT NOT NULL CHECK (electorate IN ('present', 'all')),
    quorum TEXT NOT NULL,
    majority TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('created', 'open', 'closed', 'published')),
    members INTEGER NOT NULL DEFAULT 0,
    eligible INTEGER NOT NULL DEFAULT 0,
    turnout INTEGER NOT NULL DEFAULT 0,
    counts TEXT,
    tally TEXT,
    result TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    opened_at {{timestamp}},
    closed_at {{timestamp}},
    published_at {{timestamp}},
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX votes_meeting ON votes(meeting_id);

-- Who may vote, fixed when the vote opens.
CREATE TABLE vote_electorate (
    vote_id BIGINT NOT NULL REFERENCES votes(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (vote_id, user_id)
);

-- That a person voted: one row per voter, so the database refuses a second ballot.
CREATE TABLE vote_voters (
    vote_id BIGINT NOT NULL REFERENCES votes(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    voted_at {{timestamp}} NOT NULL,
    PRIMARY KEY (vote_id, user_id)
);

-- Open votes only: who chose what (public by design).
CREATE TABLE vote_ballots (
    vote_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    option_index INTEGER NOT NULL,
    cast_at {{timestamp}} NOT NULL,
    PRIMARY KEY (vote_id, user_id),
    FOREIGN KEY (vote_id, user_id) REFERENCES vote_voters(vote_id, user_id)
);

-- Secret votes only: anonymous counters, one row per option.
CREATE TABLE vote_counts (
    vote_id BIGINT NOT NULL REFERENCES votes(id),
    option_index INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (vote_id, option_index)
);
