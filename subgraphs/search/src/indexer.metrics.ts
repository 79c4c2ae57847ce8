/**
 * `search_indexer_lag_seconds`: how far the index may be behind the catalog's change feed, the
 * time since the start of the indexer's last complete read of the feed (every change older than
 * that is in the index). About the poll interval while it keeps up; it grows while the feed cannot
 * be read, and the alarm in deploy/ watches it.
 */
import { gauge } from '../../../common/metrics';

export interface LagSource {
  lagSeconds(): number;
}

const sources = new Set<LagSource>();

gauge(
  'search_indexer_lag_seconds',
  'Seconds since the start of the last complete read of the catalog feed: the index holds every change older than that.',
  ['service'],
  function collect() {
    if (sources.size === 0) return;
    this.set({ service: 'search' }, Math.max(...[...sources].map((s) => s.lagSeconds())));
  },
);

/** Reports this indexer's lag until the returned function is called. */
export function watchIndexer(source: LagSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}
