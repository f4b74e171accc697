import type { Db } from '../../db/client';
import { recordAudit } from '../audit';
import { changedSections, parseSettingsForm } from './settings.form';
import type { EditableSection, FieldError } from './settings.schemas';
import type { SettingsService } from './settings.service';

export type EditResult = { ok: true; changed: string[] } | { ok: false; errors: Record<string, FieldError> };

/**
 * Saves the posted settings form: every field is checked first and nothing is stored on an error;
 * then each changed section is written and one audit entry names them.
 */
export async function editSettings(deps: { db: Db; settings: SettingsService }, actor: { staffId: string; ip?: string }, body: Record<string, unknown>): Promise<EditResult> {
  const current = await deps.settings.get();
  const parsed = parseSettingsForm(body, current);
  if (!parsed.ok) return parsed;
  const changed = changedSections(current, parsed.value);
  const { value } = parsed;
  const save = <K extends EditableSection>(key: K) => deps.settings.update(key, value[key]);
  for (const key of changed) await save(key);
  if (changed.length > 0) {
    await recordAudit(deps.db, {
      staffId: actor.staffId,
      action: 'settings.edit',
      targetType: 'settings',
      targetId: changed.join(','),
      detail: { sections: changed },
      ip: actor.ip,
    });
  }
  return { ok: true, changed };
}
