import { loadConfig, type Config } from './env';

export { loadConfig, ConfigError, type Config } from './env';

/** The configuration of this process, read from process.env (the only place that reads it). */
export function configFromProcess(): Config {
  return loadConfig(process.env);
}

/** This process's environment with extra variables, for a tool started as a child process (pg_dump). */
export function childProcessEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
