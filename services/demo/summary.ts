import { quoteIdentifier, type ClickHouse } from '../../shared/clickhouse/index.ts';

/**
 * The investigators' view of one demo run, from ClickHouse: flags by
 * severity and rule, the top offenders, and the access providers carrying
 * the flagged numbers' calls. Flags of the run are those emitted since it
 * started; aggregates of the run are those written from its own topics.
 */
export async function printSummary(ch: ClickHouse, database: string, since: number, srcPrefix: string): Promise<void> {
  const db = quoteIdentifier(database);
  const out = (s = '') => process.stdout.write(s + '\n');
  const sev = await ch.query<{ severity: string; n: string }>(
    `SELECT severity, count() AS n FROM (SELECT * FROM ${db}.flags FINAL WHERE emitted_at_ms >= {since:UInt64}) GROUP BY severity ORDER BY severity`,
    { since },
  );
  out('flags in ClickHouse by severity:');
  for (const r of sev) out(`  ${r.severity.padEnd(18)} ${r.n}`);
  const rules = await ch.query<{ rule: string; n: string }>(
    `SELECT rule, count() AS n FROM (SELECT reasons.rule AS rules FROM ${db}.flags FINAL WHERE emitted_at_ms >= {since:UInt64}) ARRAY JOIN rules AS rule GROUP BY rule ORDER BY n DESC`,
    { since },
  );
  out('reasons by rule:');
  for (const r of rules) out(`  ${r.rule.padEnd(18)} ${r.n}`);
  const top = await ch.query<{ number: string; severity: string; score: number; rules: string[] }>(
    `SELECT number, max(severity) AS severity, max(score) AS score, groupUniqArrayArray(reasons.rule) AS rules
       FROM ${db}.flags FINAL WHERE emitted_at_ms >= {since:UInt64}
      GROUP BY number ORDER BY score DESC, number LIMIT 10`,
    { since },
  );
  out('top offenders:');
  for (const r of top) out(`  ${r.number.padEnd(16)} ${String(r.severity).padEnd(18)} ${String(r.score).padStart(3)}  ${r.rules.join(', ')}`);
  const traffic = await ch.query<{ numbers: string; calls: string; answered: string; rejected: string }>(
    `SELECT uniqExact(number) AS numbers, sum(calls) AS calls, sum(answered) AS answered, sum(rejected) AS rejected
       FROM ${db}.number_minute FINAL WHERE startsWith(src, {src:String})`,
    { src: srcPrefix },
  );
  const t = traffic[0];
  if (t) out(`number_minute: ${t.calls} calls from ${t.numbers} numbers (${t.answered} answered, ${t.rejected} rejected)`);
  const providers = await ch.query<{ provider: string; calls: string; flagged: string }>(
    `SELECT access_provider AS provider, sum(calls) AS calls, sum(flagged_calls) AS flagged
       FROM ${db}.provider_hour FINAL WHERE startsWith(src, {src:String})
      GROUP BY provider ORDER BY flagged DESC, provider LIMIT 8`,
    { src: srcPrefix },
  );
  out('access providers by flagged numbers’ calls:');
  for (const p of providers) out(`  ${(p.provider || '(none)').padEnd(12)} ${String(p.flagged).padStart(8)} of ${p.calls}`);
}
