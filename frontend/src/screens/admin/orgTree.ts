import type { Level, Organization } from '../../api/types';
import type { Option } from '../../components/Field';
import { t } from '../../i18n';

export interface TreeRow {
  org: Organization;
  depth: number;
}

/**
 * Puts organizations in tree order with their depth. The server already sends them depth first;
 * sorting again here keeps the page right if that ever changes.
 */
export function treeRows(orgs: Organization[]): TreeRow[] {
  const byParent = new Map<number | null, Organization[]>();
  const ids = new Set(orgs.map((o) => o.id));
  for (const o of orgs) {
    const key = o.parent_id != null && ids.has(o.parent_id) ? o.parent_id : null;
    const list = byParent.get(key) ?? [];
    list.push(o);
    byParent.set(key, list);
  }
  const out: TreeRow[] = [];
  const walk = (parent: number | null, depth: number) => {
    for (const o of byParent.get(parent) ?? []) {
      out.push({ org: o, depth });
      walk(o.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** Select options for choosing an organization, indented to show the tree. */
export function orgOptions(orgs: Organization[]): Option[] {
  return treeRows(orgs).map(({ org, depth }) => ({
    value: String(org.id),
    label: `${'\u2003'.repeat(depth)}${depth ? '└ ' : ''}${org.name}`,
  }));
}

/** The level a new child of parent most likely has (the secretary can change it). */
export function childLevel(parent: Organization | undefined): Level {
  if (!parent) return 'province';
  switch (parent.level) {
    case 'province': return 'district';
    case 'department': return 'department';
    case 'district': return 'commune';
    case 'commune': return 'commune';
  }
}

export function levelLabel(level: Level): string {
  return t(`level.${level}`);
}
