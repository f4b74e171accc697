import { configFromProcess } from '../../config';
import { createStripeGateway, ensureCatalog } from '../features/billing';

/**
 * npm run stripe:setup — prepares a Stripe account idempotently: the product, the three monthly
 * prices (lookup keys welgee_family_monthly_1000/_5000/_10000), the Billing Portal configuration and
 * the webhook endpoint at PUBLIC_URL/webhooks/stripe. Sandbox mode does this by itself at start.
 */
async function run() {
  const config = configFromProcess();
  if (config.stripe.isSandbox) {
    process.stdout.write('STRIPE_SECRET_KEY is not set: sandbox mode sets up its own catalog when the app starts.\n');
    return;
  }
  const gateway = createStripeGateway({ secretKey: config.stripe.secretKey!, webhookSecret: config.stripe.webhookSecret!, apiUrl: config.stripe.apiUrl });
  const result = await ensureCatalog(gateway, { webhookUrl: `${config.publicUrl}/webhooks/stripe`, returnUrl: `${config.publicUrl}/me` });
  process.stdout.write(result.created.length ? `created: ${result.created.join(', ')}\n` : 'everything was already set up\n');
  for (const [amount, id] of Object.entries(result.prices)) process.stdout.write(`price ¥${amount}/month: ${id}\n`);
  if (result.webhookSecret) process.stdout.write(`webhook signing secret (set STRIPE_WEBHOOK_SECRET): ${result.webhookSecret}\n`);
}

run().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
