// Opening the pull request, and the check run gate mode reports on. Bodies and summaries are cut to
// GitHub's limits here, so a large report never turns into a failed request.
import { ANNOTATIONS_PER_REQUEST, CHECK_NAME, GITHUB_TEXT_LIMIT } from '../constants.js';
import { type GitHubClient, httpStatus } from './client.js';
import type { Repo } from './context.js';

export interface PullRequestRef {
  number: number;
  url: string;
  /** True when the PR existed already (a rerun) and was updated instead. */
  existed: boolean;
}

/** Cuts `text` to GitHub's limit, saying so at the end. */
export function fitText(text: string, limit = GITHUB_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  const note = '\n\n… (cut to fit GitHub’s limit; the full report is in the artifacts)';
  return text.slice(0, limit - note.length) + note;
}

export async function openPullRequest(
  client: GitHubClient,
  repo: Repo,
  pr: { head: string; base: string; title: string; body: string; draft: boolean },
): Promise<PullRequestRef> {
  const body = fitText(pr.body);
  try {
    const { data } = await client.rest.pulls.create({ ...repo, ...pr, body });
    return { number: data.number, url: data.html_url, existed: false };
  } catch (e) {
    if (httpStatus(e) !== 422) throw e;
    // A rerun of the same job: the branch has its PR already. Update it rather than fail.
    const { data: open } = await client.rest.pulls.list({
      ...repo,
      head: `${repo.owner}:${pr.head}`,
      state: 'open',
    });
    const existing = open[0];
    if (!existing) throw e;
    await client.rest.pulls.update({ ...repo, pull_number: existing.number, title: pr.title, body });
    return { number: existing.number, url: existing.html_url, existed: true };
  }
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title: string;
  message: string;
}

/** How a check run ends. */
export interface CheckResult {
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  summary: string;
  text?: string;
  annotations: Annotation[];
}

export async function startCheckRun(client: GitHubClient, repo: Repo, headSha: string, detailsUrl: string) {
  const { data } = await client.rest.checks.create({
    ...repo,
    name: CHECK_NAME,
    head_sha: headSha,
    status: 'in_progress',
    details_url: detailsUrl,
    started_at: new Date().toISOString(),
  });
  return data.id;
}

/**
 * Completes the check run: annotations go out in batches of 50 (GitHub's limit per request), each batch
 * an update carrying the same title and summary; the last one sets the conclusion.
 */
export async function completeCheckRun(
  client: GitHubClient,
  repo: Repo,
  checkRunId: number,
  result: CheckResult,
): Promise<number> {
  const output = {
    title: result.title,
    summary: fitText(result.summary),
    ...(result.text ? { text: fitText(result.text) } : {}),
  };
  const batches: Annotation[][] = [];
  for (let i = 0; i < result.annotations.length; i += ANNOTATIONS_PER_REQUEST)
    batches.push(result.annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  for (const annotations of batches.slice(0, -1)) {
    await client.rest.checks.update({
      ...repo,
      check_run_id: checkRunId,
      output: { ...output, annotations },
    });
  }
  await client.rest.checks.update({
    ...repo,
    check_run_id: checkRunId,
    status: 'completed',
    conclusion: result.conclusion,
    completed_at: new Date().toISOString(),
    output: { ...output, annotations: batches.at(-1) ?? [] },
  });
  return batches.length;
}
