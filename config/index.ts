import { loadConfig, type Config } from './env';

export { loadConfig, ConfigError, type Config } from './env';

/** The configuration of this process, read from process.env (the only place that reads it). */
export function configFromProcess(): Config {
  return loadConfig(process.env);
}
