import { useEffect, useState } from 'preact/hooks';
import { votes as votesApi, type Vote } from '../../api/meetings';
import { Loading } from '../../components/Status';
import { t } from '../../i18n';
import { SpeechTimer } from './FloorTab';
import { useMeeting } from './useMeeting';
import { VoteResult } from './VotesTab';
import { presentText } from './MeetingPage';

/**
 * The projector view (màn hình trình chiếu) for the hall: the item under discussion, who has the
 * floor with the timer, an open vote's turnout, and published results. Never individual choices.
 */
export function ProjectorScreen({ meetingId }: { meetingId: number }) {
  const st = useMeeting(meetingId);
  const floor = st.floor; // from the grant's event itself, not a later re-read
  const [vs, setVs] = useState<Vote[]>([]);
  useEffect(() => {
    votesApi.list(meetingId).then(setVs, () => setVs([]));
  }, [meetingId, st.versions.votes]);
  if (!st.snap) return <Loading />;
  const current = st.snap.agenda.find((a) => a.current);
  const speaking = floor?.find((f) => f.status === 'speaking');
  const open = vs.find((v) => v.status === 'open');
  const published = [...vs].reverse().find((v) => v.status === 'published');
  return (
    <div class="projector" data-testid="projector">
      <header class="projector-head">
        <h1>{st.snap.meeting.title}</h1>
        <span class="projector-count" data-testid="projector-count">{presentText(st.snap)}</span>
      </header>
      <section class="projector-item">
        <h2>{t('proj.currentItem')}</h2>
        <p class="projector-big" data-testid="projector-item">{current ? current.title : t('proj.noItem')}</p>
      </section>
      {speaking && (
        <section class="projector-speaker" data-testid="projector-speaker">
          <h2>{t('proj.speaker')}</h2>
          <p class="projector-big">{speaking.user_name}</p>
          <SpeechTimer f={speaking} />
        </section>
      )}
      {open && (
        <section class="projector-vote" data-testid="projector-vote">
          <h2>{t('proj.vote')}: {open.question}</h2>
          <p class="projector-big" data-testid="projector-turnout">{t('vote.turnout', { turnout: Math.max(open.turnout, st.turnout[open.id] ?? 0), eligible: open.eligible })}</p>
        </section>
      )}
      {!open && published && (
        <section class="projector-vote" data-testid="projector-result">
          <h2>{t('proj.result')}: {published.question}</h2>
          <VoteResult v={published} />
        </section>
      )}
    </div>
  );
}
