-- Secret-ballot counters spread over shards: a ballot adds to the counters of one shard chosen
-- at random (every option of that shard, adding 0 to the others), so concurrent ballots rarely
-- wait for each other. The tally is the sum over shards; the shard says nothing of the choice.
CREATE TABLE vote_tallies (
    vote_id BIGINT NOT NULL REFERENCES votes(id),
    shard INTEGER NOT NULL,
    option_index INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (vote_id, shard, option_index)
);
DROP TABLE vote_counts;
