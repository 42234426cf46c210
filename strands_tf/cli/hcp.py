"""`strands hcp bootstrap`: the HCP Terraform workspaces of a project, as a Terraform stack (hashicorp/tfe)."""

from __future__ import annotations

from pathlib import Path

import click

from strands_tf.cli.context import app_context
from strands_tf.cli.render import print_json, status


@click.group()
def hcp() -> None:
    """HCP Terraform (Terraform Cloud / Enterprise) for environments with `state: {backend: cloud}`.

    \b
    Examples:
      strands hcp bootstrap
      strands hcp bootstrap --vcs-repo acme/agents --oauth-token-id ot-AbCd1234
    """


@hcp.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of the bootstrap stack (default: <export-dir>/hcp-bootstrap in the project).",
)
@click.option("--environments", metavar="LIST", help="Comma-separated environments (default: every cloud one).")
@click.option("--export-dir", default="infra", show_default=True, help="Where the HCL exports live (per env).")
@click.option("--vcs-repo", metavar="ORG/REPO", help="VCS-driven runs: the repository the workspaces watch.")
@click.option("--oauth-token-id", metavar="ID", help="With --vcs-repo: the OAuth client token (ot-...).")
@click.option("--branch", default="main", show_default=True, help="With --vcs-repo: the branch applies run from.")
@click.option("--force", is_flag=True, help="Replace a bootstrap stack that differs from what would be written.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_context
def bootstrap(
    ctx: click.Context,
    out_dir: Path | None,
    environments: str | None,
    export_dir: str,
    vcs_repo: str | None,
    oauth_token_id: str | None,
    branch: str,
    force: bool,
    as_json: bool,
) -> None:
    """Write a Terraform stack that creates one workspace per stack and environment, with its variables.

    Each workspace gets the name its stack's `cloud` block uses, the organization, project and tags
    of strands.yaml, the stack's export directory as working directory, remote execution, read access
    to its state for the stacks that read it, and AWS dynamic credentials (a read-only role for plans,
    the deploy role for applies: variables plan_role_arns and apply_role_arns). Apply it with
    `terraform` and a TFE_TOKEN; strands never talks to the HCP API itself.

    \b
    Examples:
      strands hcp bootstrap
      terraform -chdir=infra/hcp-bootstrap init && terraform -chdir=infra/hcp-bootstrap apply
      strands hcp bootstrap --vcs-repo acme/agents --oauth-token-id ot-AbCd1234 --force
    """
    from strands_tf.ci.hcp import VcsSettings, write_bootstrap
    from strands_tf.ci.project import pipeline_project

    if bool(vcs_repo) != bool(oauth_token_id):
        raise click.UsageError("--vcs-repo and --oauth-token-id go together")
    app = app_context(ctx)
    loaded = app.load()
    names = [n.strip() for n in environments.split(",") if n.strip()] if environments else None
    if names is None:
        from strands_tf.config.resolve import resolve

        names = [
            n
            for n, env in loaded.config.environments.items()
            if env.target == "aws" and resolve(loaded, n, agents=[]).state.backend == "cloud"
        ]
        if not names:
            from strands_tf.errors import UserError

            raise UserError(
                "no environment keeps its state in HCP Terraform",
                hint="set state: {backend: cloud, organization: ...} (for the project or an environment)",
            )
    project, _warnings = pipeline_project(loaded, names, export_root=export_dir)
    target = out_dir or loaded.root / export_dir / "hcp-bootstrap"
    vcs = VcsSettings(vcs_repo, oauth_token_id, branch) if vcs_repo and oauth_token_id else None
    result = write_bootstrap(loaded, project, target, vcs=vcs, force=force)
    if as_json:
        print_json(
            {
                "ok": True,
                "directory": str(result.directory),
                "written": result.files,
                "workspaces": result.workspaces,
                "next_steps": result.next_steps,
            }
        )
        return
    for rel in result.files:
        status(f"wrote {target / rel}", mark="✓")
    for env, names_ in result.workspaces.items():
        status(f"{env}: {', '.join(names_)}")
    status("next (needs the HCP Terraform API):")
    for step in result.next_steps:
        status(f"  {step}")
