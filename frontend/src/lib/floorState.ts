// The floor as events describe it: a page shows the new speaker from the event itself, so the
// projector and the video screen change when the chair grants, not when a later re-read returns.
import type { FloorRequest } from '../api/meetings';

const rank: Record<FloorRequest['status'], number> = { speaking: 0, waiting: 1, done: 2, skipped: 2, withdrawn: 2 };

/** The server's order: the speaker, the queue by position, then what is over. */
export function sortFloor(list: FloorRequest[]): FloorRequest[] {
  return [...list].sort((a, b) => rank[a.status] - rank[b.status] || a.position - b.position || a.id - b.id);
}

/**
 * Applies a floor event ("floor.requested" carries the request, "floor.changed" the request and
 * the action) to the list; null when the event says nothing the list can use.
 */
export function applyFloorEvent(list: FloorRequest[], type: string, data: unknown): FloorRequest[] | null {
  const d = data as { request?: FloorRequest; action?: string } & Partial<FloorRequest>;
  const f = type === 'floor.requested' ? (d as FloorRequest) : d.request;
  if (!f || typeof f.id !== 'number' || typeof f.status !== 'string') return null;
  let next = list.filter((x) => x.id !== f.id);
  // Granting ends whoever was speaking (the server did so in the same transaction).
  if (f.status === 'speaking') next = next.map((x) => (x.status === 'speaking' ? { ...x, status: 'done' as const, ended_at: f.started_at } : x));
  // A move renumbers the queue: positions of the others are re-read; until then keep the order.
  return sortFloor([...next, f]);
}
