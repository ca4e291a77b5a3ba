// Child: `crm-enrich dataset import <file>` exactly as the command runs it (src/cli.ts main(), in a fresh
// process that has loaded nothing else), then this process's CPU time and lifetime peak RSS. The parent writes
// the file first, so the child's memory holds the import and nothing of the generator.
import { main } from '../../src/cli.js';
import { serveRpc } from '../lib/ipc.js';

serveRpc({
  async importFile(o: { file: string }) {
    let stdout = '';
    let stderr = '';
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const code = await main(['dataset', 'import', o.file], { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (code !== 0) throw new Error(`dataset import exited ${code}: ${stderr.trim()}`);
    const report = JSON.parse(stdout) as { imported: number; skipped: number; errors: unknown[] };
    // maxRSS is in KiB on Linux: the peak over the process's whole life, startup included.
    return { imported: report.imported, skipped: report.skipped, ms, cpuMs: (cpu.user + cpu.system) / 1000, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
  },
});
