import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './services';

/** The text of a PDF as pdftotext (poppler-utils) reads it. */
export function pdfText(pdf: Buffer): string {
  const file = path.join(tempDir('wf-pdf-'), 'doc.pdf');
  fs.writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

/** Renders page 1 of a PDF to test/artifacts/<name>.png to look at. */
export function pdfToPng(pdf: Buffer, name: string): string {
  const dir = path.resolve(__dirname, '..', 'artifacts');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(tempDir('wf-pdf-'), 'doc.pdf');
  fs.writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, path.join(dir, name)]);
  return path.join(dir, `${name}.png`);
}
