// The host side of `npm run image:test`: the Stripe emulator and an SMTP sink on loopback. They run
// outside the containers because the image is a production image, which never starts the emulator
// (it refuses NODE_ENV=production). Writes the variables the containers need to an env file once
// both listen, then runs until SIGTERM.
//
// Usage: tsx scripts/image-test-services.ts <webhook url> <webhook secret> <mail dir> <env file>
import fs from 'node:fs';
import { startMailSink } from '../src/dev/mail-sink';
import { startStripeEmulator } from '../src/dev/stripe-emulator';

async function main(args: string[]) {
  const [webhookUrl, webhookSecret, mailDir, envFile] = args;
  if (!webhookUrl || !webhookSecret || !mailDir || !envFile) throw new Error('usage: image-test-services <webhook url> <webhook secret> <mail dir> <env file>');
  const emulator = await startStripeEmulator({ env: 'test', retryDelaysMs: [500, 1000, 2000, 4000] });
  const mail = await startMailSink({ dir: mailDir });
  emulator.addWebhookEndpoint(webhookUrl, webhookSecret);
  const env = { STRIPE_API_URL: emulator.url, STRIPE_SECRET_KEY: emulator.secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, SMTP_URL: mail.url };
  fs.writeFileSync(
    `${envFile}.partial`,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  fs.renameSync(`${envFile}.partial`, envFile);

  const stop = async () => {
    await emulator.stop();
    await mail.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
