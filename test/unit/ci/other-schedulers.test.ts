import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CRONTAB_EXAMPLE,
  GITLAB_CI_EXAMPLE,
  renderCrontabLine,
  renderGitlabCi,
} from '../../../src/ci/other-schedulers.js';

interface GitlabJob {
  image: string;
  rules: { if: string }[];
  resource_group: string;
  allow_failure: { exit_codes: number[] };
  variables: Record<string, string>;
  script: string[];
}

describe('renderGitlabCi', () => {
  const text = renderGitlabCi({ integration: 'Stitch Pipedrive', minuteOffset: 7 });
  const job = (parse(text) as Record<string, GitlabJob>)['pipedrive-load'];

  it('is one job on Node 20, run only by schedules and by hand', () => {
    expect(job?.image).toBe('node:24');
    expect(job?.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "schedule" || $CI_PIPELINE_SOURCE == "web"' }]);
  });

  it('says which cron line to enter in CI/CD → Schedules', () => {
    expect(text).toContain('#   7,37 * * * *');
  });

  it('never runs two loads of one integration at once', () => {
    expect(job?.resource_group).toBe('pipedrive-loader-stitch_pipedrive');
  });

  it('reports a spent budget (4) and a held schema (7) as warnings, not failures', () => {
    expect(job?.allow_failure).toEqual({ exit_codes: [4, 7] });
  });

  it('loads the integration, with --full-refresh when FULL_REFRESH=true', () => {
    expect(job?.variables).toEqual({ PIPEDRIVE_INTEGRATION: 'Stitch Pipedrive' });
    expect(job?.script.join('\n')).toContain('args+=(--full-refresh)');
    expect(job?.script.join('\n')).toContain('node_modules/.bin/pipedrive-loader "${args[@]}"');
    expect(text).not.toMatch(/PIPEDRIVE_API_TOKEN:/);
  });
});

describe('renderCrontabLine', () => {
  it('runs the load on the schedule, under flock, with secrets from an env file', () => {
    const line = renderCrontabLine({ integration: 'Acme CRM', workDir: '/srv/pipedrive', minuteOffset: 7, schedule: '1h' });
    expect(line).toBe(
      "7 * * * * cd /srv/pipedrive && . /srv/pipedrive/.env.pipedrive-loader && flock -n /tmp/pipedrive-loader-acme_crm.lock " +
        "node_modules/.bin/pipedrive-loader load --integration 'Acme CRM' >> /srv/pipedrive/pipedrive-loader.log 2>&1",
    );
  });

  it('escapes % (crontab turns it into a newline) and quotes paths', () => {
    const line = renderCrontabLine({ integration: '100% Sales', workDir: '/srv/my dir', minuteOffset: 0 });
    expect(line).toContain("--integration '100\\% Sales'");
    expect(line).toContain("cd '/srv/my dir'");
    expect(line.startsWith('0,30 * * * * ')).toBe(true);
  });
});

describe('README snippets', () => {
  it('are rendered for an example company', () => {
    expect(parse(GITLAB_CI_EXAMPLE)).toHaveProperty('pipedrive-load');
    expect(CRONTAB_EXAMPLE).toMatch(/^[\d,]+ \* \* \* \* cd \/srv\/pipedrive && /);
  });

  it('are in the README exactly as the renderers write them', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(GITLAB_CI_EXAMPLE.trimEnd());
    expect(readme).toContain(CRONTAB_EXAMPLE);
  });
});
