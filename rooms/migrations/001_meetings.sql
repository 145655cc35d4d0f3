-- Meetings (cuộc họp) and who takes part in them.
CREATE TABLE meetings (
    id {{id}},
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('in_person', 'online', 'hybrid')),
    place TEXT NOT NULL DEFAULT '',
    starts_at {{timestamp}} NOT NULL,
    ends_at {{timestamp}} NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'in_session', 'paused', 'ended', 'archived', 'cancelled')),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    started_at {{timestamp}},
    ended_at {{timestamp}}
);
CREATE INDEX meetings_org ON meetings(organization_id, starts_at);

-- Invitations (giấy mời): a person or a meeting point, with a meeting role, their answer and
-- their attendance (điểm danh).
CREATE TABLE meeting_participants (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    user_id BIGINT REFERENCES users(id),
    meeting_point_id BIGINT REFERENCES meeting_points(id),
    role TEXT NOT NULL CHECK (role IN ('chair', 'secretary', 'delegate', 'guest', 'operator')),
    can_vote BOOLEAN NOT NULL DEFAULT FALSE,
    response TEXT NOT NULL DEFAULT 'pending' CHECK (response IN ('pending', 'accepted', 'declined')),
    response_reason TEXT NOT NULL DEFAULT '',
    responded_at {{timestamp}},
    attendance TEXT NOT NULL DEFAULT 'unknown' CHECK (attendance IN ('unknown', 'in_person', 'online', 'absent')),
    attendance_reason TEXT NOT NULL DEFAULT '',
    attendance_by BIGINT REFERENCES users(id),
    attendance_at {{timestamp}},
    invited_at {{timestamp}} NOT NULL,
    -- Set when the meeting's time or place changes after the invitation went out: "my meetings"
    -- shows the change until the invitee answers again.
    changed_at {{timestamp}},
    CHECK ((user_id IS NULL) <> (meeting_point_id IS NULL)),
    UNIQUE (meeting_id, user_id),
    UNIQUE (meeting_id, meeting_point_id)
);
CREATE INDEX meeting_participants_user ON meeting_participants(user_id);
