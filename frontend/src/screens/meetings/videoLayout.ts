// What the video tab subscribes to and how it finds each picture among the slots. Only what is
// on screen is asked for: the main screen at high quality, the visible page of thumbnails at low,
// the shared screen when there is one, and the three loudest voices. A 250-point room therefore
// costs each page about a dozen streams, whatever the page of thumbnails.
import type { Participant, Slot, Want } from '../../lib/mediaProtocol';

/** Thumbnails per page (a 4 × 2 grid on a tablet). */
export const PAGE = 8;
export const AUDIO_SLOTS = 3;

export function pageCount(n: number): number {
  return Math.max(1, Math.ceil(n / PAGE));
}

/** The roster entries shown on one page of thumbnails. */
export function pageOf(roster: Participant[], page: number): Participant[] {
  return roster.slice(page * PAGE, page * PAGE + PAGE);
}

/** Someone else sharing a screen, if anybody does (the roster lists it among their sources). */
export function sharer(roster: Participant[]): Participant | undefined {
  return roster.find((p) => p.sources?.includes('screen'));
}

/**
 * The layout to ask for. The main screen follows the chair's spotlight (the active speaker when
 * there is none); while a screen is shown large, the main screen needs only the middle layer.
 */
export function buildLayout(thumbs: string[], screenShown: boolean): { video: Want[]; audio: number } {
  const video: Want[] = [{ follow: 'spotlight', quality: screenShown ? 'mid' : 'high' }];
  if (screenShown) video.push({ follow: 'screen', quality: 'high' });
  for (const identity of thumbs) video.push({ identity, source: 'camera', quality: 'low' });
  return { video, audio: AUDIO_SLOTS };
}

/**
 * The slot of the main screen. The server names it when it says which entry a slot follows;
 * otherwise it is the first video slot, because the spotlight entry is always the first of the
 * layout and the server keeps an entry in the slot it was given.
 */
export function mainSlot(slots: Slot[], videoMids: string[]): Slot | undefined {
  return slots.find((s) => s.kind === 'video' && s.follow === 'spotlight') ?? slots.find((s) => s.mid === videoMids[0]);
}

/** The slot carrying the shared screen, other than the main screen's. */
export function screenSlot(slots: Slot[], mainMid: string | undefined): Slot | undefined {
  return slots.find((s) => s.kind === 'video' && s.mid !== mainMid && (s.follow === 'screen' || s.source === 'screen') && s.identity);
}

/** For each identity, the thumbnail slot carrying its camera (the main and screen slots excluded). */
export function thumbSlots(slots: Slot[], exclude: (string | undefined)[]): Map<string, Slot> {
  const out = new Map<string, Slot>();
  for (const s of slots) {
    if (s.kind !== 'video' || !s.identity || s.source === 'screen' || exclude.includes(s.mid)) continue;
    if (!out.has(s.identity)) out.set(s.identity, s);
  }
  return out;
}
