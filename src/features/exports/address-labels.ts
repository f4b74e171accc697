import type { Writable } from 'node:stream';
import type { Db } from '../../db/client';
import { selectArrays } from '../../db/raw-rows';
import { ExportEncoder, type Encoding } from './encoding';
import { writeChunk, type ExportResult } from './donations-export';

export const LABEL_HEADER = ['郵便番号', '住所', '宛名', '支援者ID'];

/** 〒 and the postal code as people write it: 〒150-0001. */
export function postalLine(code: string): string {
  const digits = code.replace(/\D/g, '');
  return digits.length === 7 ? `〒${digits.slice(0, 3)}-${digits.slice(3)}` : `〒${code}`;
}

/**
 * Address labels of supporters who accepted letters by post and gave an address (merged and erased
 * records left out): 〒, address, the name with 様 (御中 for an organisation).
 */
export async function writeAddressLabels(db: Db, encoding: Encoding, out: Writable): Promise<ExportResult> {
  const encoder = new ExportEncoder(encoding);
  await writeChunk(out, Buffer.concat([encoder.preamble(), encoder.encode(encoder.line(LABEL_HEADER, () => 'header') + '\r\n')]));
  let rows = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const page = await selectArrays(
      db,
      `SELECT id::text, postal_code, coalesce(prefecture, '') || coalesce(address, ''), kind,
              trim(family_name || ' ' || given_name), coalesce(organisation_name, '')
         FROM supporters
        WHERE postal_mail AND erased_at IS NULL AND merged_into_id IS NULL
          AND coalesce(postal_code, '') <> '' AND coalesce(address, '') <> '' AND id > $1::uuid
        ORDER BY id LIMIT 2000`,
      [after],
    );
    let text = '';
    for (const [id, postal, address, kind, person, organisation] of page) {
      const name = kind === 'organisation' && organisation ? `${organisation} 御中` : `${person} 様`;
      text += encoder.line([postalLine(postal!), address, name, id], () => id!) + '\r\n';
      rows += 1;
    }
    await writeChunk(out, encoder.encode(text));
    if (page.length < 2000) break;
    after = page[page.length - 1]![0]!;
  }
  return { rows, lines: rows, replacements: encoder.report() };
}
