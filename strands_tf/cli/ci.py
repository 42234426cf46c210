"""`strands ci`: pipeline files for the committed export, and posting plan comments."""

from __future__ import annotations

from pathlib import Path

import click

from strands_tf.cli.context import app_context
from strands_tf.cli.render import print_json, status, warning


@click.group()
def ci() -> None:
    """Pipelines that plan pull requests and apply on merge, from the committed HCL export.

    \b
    Examples:
      strands ci init github                 # .github/workflows/strands.yml
      strands ci init gitlab --environments dev,prod
      strands ci comment gitlab comments/    # in a GitLab merge request pipeline
    """


@ci.command("init")
@click.argument("provider", type=click.Choice(["github", "gitlab", "atlantis", "hcp"]))
@click.option(
    "--environments",
    metavar="LIST",
    help="Comma-separated environments in promotion order (default: every AWS environment in strands.yaml).",
)
@click.option(
    "--export-dir",
    default="infra",
    show_default=True,
    help="Where the HCL exports live, one directory per environment (relative to the project).",
)
@click.option("--branch", default="main", show_default=True, help="The branch merges apply from.")
@click.option(
    "--repo-root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Root of the repository the pipeline runs in (default: the git work tree holding the project).",
)
@click.option("--install", "requirement", metavar="REQ", help="pip requirement the pipeline installs strands-tf from.")
@click.option("--force", is_flag=True, help="Replace a pipeline file that differs from what would be written.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_context
def init(
    ctx: click.Context,
    provider: str,
    environments: str | None,
    export_dir: str,
    branch: str,
    repo_root: Path | None,
    requirement: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Write the pipeline file of PROVIDER at the repository root.

    github and gitlab: plan each stack of each environment on pull requests with a read-only role and
    post the summary as a comment; apply on merge with the environment's deploy role (OIDC, no stored
    keys); cache provider plugins; fail on a stale export. atlantis: one project per environment and
    stack with a workflow that packages the agents. hcp: GitHub Actions driving CLI-driven HCP
    Terraform runs (environments with state: backend: cloud).

    \b
    Examples:
      strands ci init github
      strands ci init atlantis --environments staging,prod
      strands ci init hcp --install 'strands-tf==0.1.0'
    """
    from strands_tf.ci.project import init_pipeline

    app = app_context(ctx)
    names = [n.strip() for n in environments.split(",") if n.strip()] if environments else None
    result = init_pipeline(
        app.load(),
        provider,
        names,
        export_root=export_dir,
        default_branch=branch,
        requirement=requirement,
        force=force,
        repo_root=repo_root.resolve() if repo_root else None,
    )
    if as_json:
        print_json(
            {
                "ok": True,
                "provider": provider,
                "repository": str(result.repository_root),
                "written": result.files,
                "unchanged": result.unchanged,
                "next_steps": result.next_steps,
                "warnings": result.warnings,
            }
        )
        return
    for rel in result.files:
        status(f"wrote {rel}", mark="✓")
    for rel in result.unchanged:
        status(f"{rel} is up to date", mark="✓")
    for text in result.warnings:
        warning(text)
    status("next:")
    for step in result.next_steps:
        status(f"  {step}")


@ci.command("comment")
@click.argument("service", type=click.Choice(["gitlab"]))
@click.argument("comment_dir", type=click.Path(file_okay=False, path_type=Path))
def comment(service: str, comment_dir: Path) -> None:
    """Post the plan comments in COMMENT_DIR (`--format markdown --comment-dir`) to a merge request.

    gitlab: one note per part on the merge request of the running GitLab CI job (CI_API_V4_URL,
    CI_PROJECT_ID, CI_MERGE_REQUEST_IID), authenticated by STRANDS_GITLAB_TOKEN (a project access
    token with the api scope). GitHub workflows post with `gh pr comment` instead.

    \b
    Examples:
      strands show -e prod plans/*.json --format markdown --comment-dir comments
      strands ci comment gitlab comments
    """
    from strands_tf.ci.comments import post_gitlab_notes

    posted = post_gitlab_notes(comment_dir)
    status(f"posted {len(posted)} comment{'s' if len(posted) != 1 else ''} to {service}", mark="✓")
