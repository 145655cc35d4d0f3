import { useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { agendaApi, type AgendaItem, type Snapshot } from '../../api/meetings';
import { Button } from '../../components/Button';
import { EmptyState } from '../../components/Status';
import { toast } from '../../components/Toast';
import { t } from '../../i18n';
import { ask, confirmAction } from '../../components/Dialog';

/**
 * The agenda: everyone reads it and sees the item under discussion; organizers add, edit,
 * delete and reorder (drag and drop, or the up/down buttons on a tablet); the chair moves the
 * meeting from item to item.
 */
export function AgendaTab({ snap }: { snap: Snapshot }) {
  const me = snap.me;
  const canEdit = me.organizer && me.role !== 'guest';
  const isChair = me.role === 'chair';
  const live = snap.meeting.status === 'in_session' || snap.meeting.status === 'paused';
  const [drag, setDrag] = useState<number | null>(null);
  const [draft, setDraft] = useState({ title: '', presenter: '', planned_minutes: '' });
  const id = snap.meeting.id;
  const items = snap.agenda;

  const run = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      toast(errorText(err), 'error');
    }
  };

  const siblings = (it: AgendaItem) => items.filter((x) => x.parent_id === it.parent_id);
  const move = (it: AgendaItem, to: number) => {
    const ids = siblings(it).map((x) => x.id).filter((x) => x !== it.id);
    ids.splice(Math.max(0, Math.min(to, ids.length)), 0, it.id);
    return run(() => agendaApi.reorder(id, it.parent_id, ids));
  };

  async function add(e: Event) {
    e.preventDefault();
    await run(async () => {
      await agendaApi.add(id, { title: draft.title, presenter: draft.presenter, planned_minutes: Number(draft.planned_minutes) || 0 });
      setDraft({ title: '', presenter: '', planned_minutes: '' });
    });
  }

  let topNo = 0;
  let subNo = 0;
  return (
    <div class="agenda" data-testid="agenda">
      {items.length === 0 ? (
        <EmptyState title={t('agenda.empty')} />
      ) : (
        <ol class="agenda-list">
          {items.map((it) => {
            const sibs = siblings(it);
            const idx = sibs.findIndex((x) => x.id === it.id);
            const no = it.parent_id === null ? ((subNo = 0), `${++topNo}.`) : `${topNo}.${++subNo}`;
            return (
              <li
                key={it.id}
                class={`agenda-item${it.parent_id ? ' agenda-sub' : ''}${it.current ? ' agenda-current' : ''}${drag === it.id ? ' dragging' : ''}`}
                draggable={canEdit}
                data-testid="agenda-item"
                onDragStart={(e) => {
                  setDrag(it.id);
                  e.dataTransfer?.setData('text/plain', String(it.id));
                }}
                onDragEnd={() => setDrag(null)}
                onDragOver={(e) => drag !== null && e.preventDefault()}
                onDrop={(e) => {
                  e.preventDefault();
                  const from = items.find((x) => x.id === drag);
                  setDrag(null);
                  if (from && from.id !== it.id && from.parent_id === it.parent_id) void move(from, idx);
                }}
              >
                <span class="agenda-no">{no}</span>
                <div class="agenda-body">
                  <div class="agenda-title">{it.title}</div>
                  <div class="agenda-meta">
                    {it.presenter && <span>{it.presenter}</span>}
                    {it.planned_minutes > 0 && <span>{it.planned_minutes} ′</span>}
                    {it.spent_seconds > 0 && <span>{t('agenda.spent', { min: Math.round(it.spent_seconds / 60) })}</span>}
                    <span class={`badge agenda-status-${it.status}`}>{it.current ? t('agenda.current') : t(`agenda.status.${it.status}`)}</span>
                  </div>
                </div>
                <div class="agenda-actions">
                  {isChair && live && !it.current && (
                    <Button size="sm" variant="secondary" onClick={() => run(() => agendaApi.setCurrent(id, it.id))} data-testid="set-current">
                      {t('agenda.setCurrent')}
                    </Button>
                  )}
                  {canEdit && (
                    <>
                      <Button size="sm" variant="ghost" disabled={idx <= 0} onClick={() => move(it, idx - 1)} aria-label={t('agenda.up')}>↑</Button>
                      <Button size="sm" variant="ghost" disabled={idx >= sibs.length - 1} onClick={() => move(it, idx + 1)} aria-label={t('agenda.down')}>↓</Button>
                      {it.parent_id === null && (
                        <Button size="sm" variant="ghost" onClick={async () => {
                          const v = await ask({ title: t('agenda.subTitle'), message: it.title, confirm: t('agenda.addSub'),
                            fields: [{ name: 'title', label: t('agenda.itemTitle'), required: t('agenda.subRequired') }] });
                          if (v) void run(() => agendaApi.add(id, { title: v.title!, parent_id: it.id }));
                        }}>{t('agenda.addSub')}</Button>
                      )}
                      <Button size="sm" variant="ghost" onClick={async () => (await confirmAction(t('confirm.agendaDelete', { title: it.title }), '', t('agenda.delete'))) && run(() => agendaApi.remove(id, it.id))}>
                        {t('agenda.delete')}
                      </Button>
                    </>
                  )}
                </div>
              </li>
            );
          })}
        </ol>
      )}
      {canEdit && (
        <form class="agenda-add form-row" onSubmit={add} data-testid="agenda-add">
          <input class="input" name="title" placeholder={t('agenda.itemTitle')} value={draft.title} onInput={(e) => setDraft({ ...draft, title: e.currentTarget.value })} aria-label={t('agenda.itemTitle')} />
          <input class="input" name="presenter" placeholder={t('agenda.presenter')} value={draft.presenter} onInput={(e) => setDraft({ ...draft, presenter: e.currentTarget.value })} aria-label={t('agenda.presenter')} />
          <input class="input input-sm" name="planned_minutes" type="number" min="0" placeholder={t('agenda.minutes')} value={draft.planned_minutes} onInput={(e) => setDraft({ ...draft, planned_minutes: e.currentTarget.value })} aria-label={t('agenda.minutes')} />
          <Button type="submit">{t('agenda.add')}</Button>
        </form>
      )}
      {canEdit && items.length > 1 && <p class="field-hint">{t('agenda.dragHint')}</p>}
    </div>
  );
}
