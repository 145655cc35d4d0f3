import { useEffect, useState } from 'preact/hooks';
import { organizations, users } from '../../api/endpoints';
import { meetings, type MeetingInput, type MeetingKind } from '../../api/meetings';
import type { Organization, User } from '../../api/types';
import { Button } from '../../components/Button';
import { SelectField, TextField } from '../../components/Field';
import { PageHeader } from '../../components/Layout';
import { Card, Loading } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { useSubmit } from '../../lib/form';
import { navigate } from '../../router';
import { secretaryOf } from '../../session';

const FIELDS = ['title', 'organization_id', 'kind', 'place', 'starts_at', 'ends_at', 'chair_id', 'secretary_id'];

/** datetime-local wants local time without a zone. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The secretary's meeting form: new meeting, or editing one (rescheduling notifies invitees). */
export function MeetingFormScreen({ user, meetingId }: { user: User; meetingId?: number }) {
  const [orgs, setOrgs] = useState<Organization[] | null>(null);
  const [people, setPeople] = useState<User[]>([]);
  const tomorrow = new Date(Date.now() + 86400000);
  tomorrow.setHours(8, 0, 0, 0);
  const [f, setF] = useState({
    title: '', organization_id: '', kind: 'hybrid' as MeetingKind, place: '',
    starts_at: toLocalInput(tomorrow.toISOString()), ends_at: toLocalInput(new Date(tomorrow.getTime() + 3 * 3600000).toISOString()),
    chair_id: '', secretary_id: String(user.id),
  });
  const form = useSubmit(FIELDS);
  const set = (k: keyof typeof f) => (v: string) => setF((x) => ({ ...x, [k]: v }));

  useEffect(() => {
    const mine = new Set(secretaryOf(user));
    organizations.list().then((all) => {
      const allowed = user.is_admin ? all : all.filter((o) => mine.has(o.id));
      setOrgs(allowed);
      if (!meetingId && allowed[0]) setF((x) => ({ ...x, organization_id: x.organization_id || String(allowed[0]!.id) }));
    });
    users.list().then(setPeople, () => setPeople([]));
    if (meetingId) {
      meetings.snapshot(meetingId).then((s) => {
        const chair = s.participants.find((p) => p.role === 'chair');
        const sec = s.participants.find((p) => p.role === 'secretary');
        setF({
          title: s.meeting.title, organization_id: String(s.meeting.organization_id), kind: s.meeting.kind, place: s.meeting.place,
          starts_at: toLocalInput(s.meeting.starts_at), ends_at: toLocalInput(s.meeting.ends_at),
          chair_id: chair?.user_id ? String(chair.user_id) : '', secretary_id: sec?.user_id ? String(sec.user_id) : '',
        });
      });
    }
  }, [meetingId]);

  async function onSubmit(e: Event) {
    e.preventDefault();
    const input: MeetingInput = {
      title: f.title, organization_id: Number(f.organization_id), kind: f.kind, place: f.place,
      starts_at: f.starts_at ? new Date(f.starts_at).toISOString() : '', ends_at: f.ends_at ? new Date(f.ends_at).toISOString() : '',
    };
    if (!meetingId) {
      input.chair_id = f.chair_id ? Number(f.chair_id) : null;
      input.secretary_id = f.secretary_id ? Number(f.secretary_id) : null;
    }
    let id = meetingId ?? 0;
    const ok = await form.submit(async () => {
      const m = meetingId ? await meetings.update(meetingId, input) : await meetings.create(input);
      id = m.id;
    });
    if (ok) {
      toast(t('form.saved'));
      navigate(`/meetings/${id}`);
    }
  }

  if (orgs === null) return <Loading />;
  const personOptions = [{ value: '', label: t('form.none') }, ...people.map((p) => ({ value: String(p.id), label: `${p.full_name}${p.title ? ` — ${p.title}` : ''}` }))];
  return (
    <div class="page">
      <PageHeader title={meetingId ? t('form.editTitle') : t('meetings.new')} />
      <Card>
        <form class="form" onSubmit={onSubmit} noValidate data-testid="meeting-form">
          {form.formError() && <div class="alert alert-error" role="alert">{form.formError()}</div>}
          <TextField label={t('form.title')} name="title" value={f.title} onValue={set('title')} error={form.fieldError('title')} required />
          <SelectField label={t('form.org')} name="organization_id" value={f.organization_id} onValue={set('organization_id')}
            options={orgs.map((o) => ({ value: String(o.id), label: o.name }))} error={form.fieldError('organization_id')} disabled={!!meetingId} required />
          <SelectField label={t('form.kind')} name="kind" value={f.kind} onValue={set('kind')}
            options={(['in_person', 'online', 'hybrid'] as const).map((k) => ({ value: k, label: t(`kind.${k}`) }))} error={form.fieldError('kind')} />
          <TextField label={t('form.place')} name="place" value={f.place} onValue={set('place')} error={form.fieldError('place')} />
          <div class="form-row">
            <DateTimeField label={t('form.start')} name="starts_at" value={f.starts_at} onValue={set('starts_at')} error={form.fieldError('starts_at')} />
            <DateTimeField label={t('form.end')} name="ends_at" value={f.ends_at} onValue={set('ends_at')} error={form.fieldError('ends_at')} />
          </div>
          {!meetingId && (
            <div class="form-row">
              <SelectField label={t('form.chair')} name="chair_id" value={f.chair_id} onValue={set('chair_id')} options={personOptions} error={form.fieldError('chair_id')} />
              <SelectField label={t('form.secretary')} name="secretary_id" value={f.secretary_id} onValue={set('secretary_id')} options={personOptions} error={form.fieldError('secretary_id')} />
            </div>
          )}
          <div class="form-actions">
            <Button type="submit" busy={form.busy}>{meetingId ? t('form.save') : t('form.create')}</Button>
          </div>
        </form>
      </Card>
    </div>
  );
}

function DateTimeField({ label, name, value, onValue, error }: { label: string; name: string; value: string; onValue: (v: string) => void; error?: string | undefined }) {
  return (
    <div class={`field${error ? ' field-invalid' : ''}`}>
      <label class="field-label" for={`f-${name}`}>{label}</label>
      <input id={`f-${name}`} class="input" type="datetime-local" name={name} value={value} onInput={(e) => onValue(e.currentTarget.value)} aria-invalid={!!error || undefined} />
      {error && <p class="field-error" role="alert">{error}</p>}
    </div>
  );
}
