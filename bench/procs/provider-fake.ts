// Child: the stateful PDL or Apollo fake (test/fakes/providers) on its own CPU, knowing 9 in 10 of the backfill's
// people (person<i>@bulk.example, i % 10 !== 9), with the latency and the fixed per-minute window of a paid plan.
import { startProviderFake, type ProviderFake, type ProviderKind } from '../../test/fakes/providers/index.js';
import { serveRpc } from '../lib/ipc.js';

let fake: ProviderFake | undefined;

serveRpc({
  async start(o: { kind: ProviderKind; people: number; latencyMs: number; perMinute: number }) {
    fake = await startProviderFake({ kind: o.kind, limit: o.perMinute, windowMs: 60_000, latencyMs: o.latencyMs });
    let known = 0;
    for (let i = 0; i < o.people; i++) {
      if (i % 10 === 9) continue;
      fake.add({ email: `person${i}@bulk.example`, firstName: `First${i}`, lastName: `Last${i}`, company: `Company ${i % 17}`, title: 'Sales Manager' });
      known++;
    }
    return { url: fake.url, apiKey: fake.apiKey, known };
  },
  async stats() {
    return fake!.stats();
  },
  async stop() {
    await fake?.close();
  },
});
