import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startStripeEmulator } from '../../src/dev/stripe-emulator';
import { tempDir } from '../helpers/services';

function occupy(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('the emulator port kept in DATA_DIR', () => {
  test('when the emulator restarts, then it listens on the same port; when that port is taken, then it picks a new one and stores it', async () => {
    const portFile = path.join(tempDir(), 'stripe-emulator.port');
    const first = await startStripeEmulator({ env: 'test', portFile });
    const port = first.port;
    expect(fs.readFileSync(portFile, 'utf8').trim()).toBe(String(port));
    await first.stop();

    const second = await startStripeEmulator({ env: 'test', portFile });
    expect(second.port).toBe(port);
    expect((await fetch(`${second.url}/v1/products`, { headers: { authorization: `Bearer ${second.secretKey}` } })).status).toBe(200);
    await second.stop();

    const squatter = await occupy(port);
    try {
      const third = await startStripeEmulator({ env: 'test', portFile });
      expect(third.port).not.toBe(port);
      expect(fs.readFileSync(portFile, 'utf8').trim()).toBe(String(third.port));
      await third.stop();
    } finally {
      squatter.close();
    }
  });

  test('when the stored port is garbage, then a free port is chosen and written over it', async () => {
    const portFile = path.join(tempDir(), 'stripe-emulator.port');
    fs.writeFileSync(portFile, 'not a port');
    const emulator = await startStripeEmulator({ env: 'test', portFile });
    expect(fs.readFileSync(portFile, 'utf8').trim()).toBe(String(emulator.port));
    await emulator.stop();
  });
});
