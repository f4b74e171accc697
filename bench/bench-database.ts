// A database of a benchmark's own, on the PostgreSQL server of DATABASE_URL (default the local test server).
import pg from 'pg';

export interface BenchDatabase {
  /** The benchmark database's URL. */
  url: string;
  /** Drops it if it is there and creates it empty. */
  recreate(): Promise<void>;
  drop(): Promise<void>;
}

export function benchDatabase(name: string): BenchDatabase {
  const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const onServer = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  const drop = () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  return {
    url: url.toString(),
    async recreate() {
      await drop();
      await onServer(`CREATE DATABASE ${name}`);
    },
    drop,
  };
}
