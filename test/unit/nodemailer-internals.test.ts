import { isDeepStrictEqual } from 'node:util';
import addressparser from 'nodemailer/lib/addressparser';
import MimeNode from 'nodemailer/lib/mime-node';
import * as qp from 'nodemailer/lib/qp';
import pkg from '../../package.json';

// src/lib/bulk-mail.ts builds newsletter copies with nodemailer's undocumented modules. These are the
// exact shapes and outputs it relies on: when a nodemailer upgrade changes one, this says which.
function contract(internal: string, what: string, actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(
      `nodemailer internal ${internal} changed (${what}): src/lib/bulk-mail.ts relies on it.\n  expected ${JSON.stringify(expected)}\n  got      ${JSON.stringify(actual)}`,
    );
  }
}

describe('nodemailer internals used by bulk-mail', () => {
  test('when package.json names nodemailer, then it pins the exact version installed', () => {
    const installed = (jest.requireActual('nodemailer/package.json') as { version: string }).version;
    contract('package.json', 'nodemailer pinned exactly', pkg.dependencies.nodemailer, installed);
    expect(pkg.dependencies.nodemailer).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('when lib/mime-node is loaded, then it builds a multipart node and encodes its headers as before', () => {
    contract('nodemailer/lib/mime-node', 'default export is a class', typeof MimeNode, 'function');
    for (const method of ['createChild', 'setHeader', 'setContent', 'getTransferEncoding', 'buildHeaders']) {
      contract('nodemailer/lib/mime-node', `method ${method}`, typeof (MimeNode.prototype as unknown as Record<string, unknown>)[method], 'function');
    }
    const encodings = ['Hello', 'こんにちは、WELgeeです', 'Nguyễn café, thank you', ''].map((text) => new MimeNode('text/plain').setContent(text).getTransferEncoding());
    contract('nodemailer/lib/mime-node', 'getTransferEncoding', encodings, ['7bit', 'base64', 'quoted-printable', false]);

    const node = new MimeNode().createChild('multipart/alternative');
    node.setHeader('From', 'WELgeeファミリー <family@welgee.example>');
    node.setHeader('Subject', 'WELgeeファミリー通信 11月号');
    node.setHeader('List-Id', '<family.welgee.example>');
    node.setHeader('MIME-Version', '1.0');
    const headers = node.buildHeaders();
    const boundary = (node as unknown as { boundary?: unknown }).boundary;
    contract('nodemailer/lib/mime-node', 'boundary set by buildHeaders', typeof boundary === 'string' && /^--_NmP-[0-9a-f]+-Part_\d+$/.test(boundary), true);
    contract(
      'nodemailer/lib/mime-node',
      'buildHeaders',
      headers.split(boundary as string).join('BOUNDARY'),
      [
        'Content-Type: multipart/alternative;',
        ' boundary="BOUNDARY"',
        'From: =?UTF-8?Q?WELgee=E3=83=95=E3=82=A1=E3=83=9F?=',
        ' =?UTF-8?Q?=E3=83=AA=E3=83=BC?= <family@welgee.example>',
        'Subject: =?UTF-8?B?V0VMZ2Vl44OV44Kh44Of44Oq44O86YCa5L+hIDEx?=',
        ' =?UTF-8?B?5pyI5Y+3?=',
        'List-ID: <family.welgee.example>',
        'MIME-Version: 1.0',
      ].join('\r\n'),
    );
  });

  test('when lib/qp encodes and wraps, then the bytes are as before', () => {
    contract('nodemailer/lib/qp', 'exports encode and wrap', [typeof qp.encode, typeof qp.wrap], ['function', 'function']);
    contract('nodemailer/lib/qp', 'encode', qp.encode(Buffer.from('Café = 5€ \n.end ')), 'Caf=C3=A9 =3D 5=E2=82=AC=20\n.end=20');
    contract('nodemailer/lib/qp', 'wrap at 75', qp.wrap(qp.encode(Buffer.from(`${'x'.repeat(80)}é`)), 75), `${'x'.repeat(74)}=\r\n${'x'.repeat(6)}=C3=A9`);
  });

  test('when lib/addressparser reads a sender, then it returns name and address as before', () => {
    contract('nodemailer/lib/addressparser', 'default export is a function', typeof addressparser, 'function');
    contract('nodemailer/lib/addressparser', 'a named sender', addressparser('WELgeeファミリー <family@welgee.example>'), [
      { address: 'family@welgee.example', name: 'WELgeeファミリー' },
    ]);
    contract('nodemailer/lib/addressparser', 'a list', addressparser('a@b.example, "Q, R" <q@r.example>'), [
      { address: 'a@b.example', name: '' },
      { address: 'q@r.example', name: 'Q, R' },
    ]);
  });
});
