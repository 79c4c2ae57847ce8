/**
 * Minimal typings for dynalite 4 (the package ships none and there is no @types/dynalite).
 * Only what dev/embedded/dynamodb.ts uses is declared; `ssl` is left out on purpose because
 * it changes the return type to an https.Server.
 */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  namespace dynalite {
    interface Options {
      /** LevelDB directory; omitted = in memory. */
      path?: string;
      /** How long a new table stays CREATING (default 500). */
      createTableMs?: number;
      /** How long a deleted table stays DELETING (default 500). */
      deleteTableMs?: number;
      /** How long an updated table stays UPDATING (default 500). */
      updateTableMs?: number;
      /** Largest accepted item (default 400). */
      maxItemSizeKb?: number;
      verbose?: boolean;
      debug?: boolean;
    }
  }

  /** Creates (but does not start) the HTTP server; `close()` also closes the LevelDB store. */
  function dynalite(options?: dynalite.Options): Server;

  export = dynalite;
}
