"""Valid configurations: loading, environment resolution, monorepo fragments, selection, interpolation."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from strands_tf.config import (
    choose_environment,
    environment_names,
    load_project,
    resolve,
    resolve_all,
    select_agents,
)
from strands_tf.config.loader import LoadedProject
from strands_tf.errors import ConfigError, UserError

SAMPLE = Path(__file__).parent / "data" / "sample"
APP = "def handler(event, context):\n    return {}\n"


def write_project(root: Path, config: str, files: dict[str, str] | None = None) -> Path:
    """A project directory from a strands.yaml text and extra files (agent code, fragments)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "strands.yaml").write_text(textwrap.dedent(config).lstrip())
    for rel, content in (files or {}).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip())
    return root


@pytest.fixture(scope="module")
def sample() -> LoadedProject:
    return load_project(SAMPLE, env={})


# ---------------------------------------------------------------------------------------- sample


def test_issue_sample_loads(sample: LoadedProject) -> None:
    config = sample.config
    assert config.project == "support-desk"
    assert sorted(config.agents) == ["support", "triage"]
    assert {name: r.type for name, r in config.resources.items()} == {
        "tickets": "dynamodb",
        "attachments": "s3",
        "inbound": "sqs",
        "escalations": "sns",
    }
    assert config.tags == {"team": "ai-platform", "cost-center": "4411"}
    assert config.environments["prod"].vpc is not None
    assert config.environments["prod"].vpc.endpoints == ["s3", "dynamodb", "bedrock-runtime"]
    assert sample.config_file == SAMPLE / "strands.yaml"
    assert sample.fragment_files == {}


def test_prod_gets_the_override_and_dev_the_defaults(sample: LoadedProject) -> None:
    prod = resolve(sample, "prod", environ={})
    dev = resolve(sample, "dev", environ={})
    assert prod.agents["support"].memory == 1024
    assert prod.agents["support"].reserved_concurrency == 50
    assert dev.agents["support"].memory == 512
    assert dev.agents["support"].reserved_concurrency is None
    # the override touches support only; everything else comes from defaults
    assert prod.agents["triage"].memory == 512
    assert prod.agents["support"].timeout == 60
    assert prod.agents["support"].runtime == "python3.12"
    assert prod.agents["support"].environment == {"LOG_LEVEL": "info"}
    assert prod.agents["support"].dead_letter is not None and prod.agents["support"].dead_letter.retention_days == 14


def test_environment_targets(sample: LoadedProject) -> None:
    prod = resolve(sample, "prod", environ={}).environment
    dev = resolve(sample, "dev", environ={}).environment
    assert (prod.region, prod.account, prod.role_arn) == (
        "eu-west-1",
        "222222222222",
        "arn:aws:iam::222222222222:role/strands-deploy",
    )
    assert (dev.region, dev.account, dev.profile) == ("us-east-1", "111111111111", "dev")
    assert resolve(sample, "prod", environ={}).state.bucket == "acme-tfstate"


def test_builtin_local_environment(sample: LoadedProject) -> None:
    assert environment_names(sample.config) == ["dev", "prod", "local"]
    local = resolve(sample, "local", environ={})
    assert local.environment.builtin is True
    assert local.environment.target == "emulator"
    assert local.state.backend == "local"  # never the real state bucket
    assert local.warnings == []  # the emulator needs no VPC


def test_vpc_warning_only_where_no_vpc(sample: LoadedProject) -> None:
    assert resolve(sample, "prod", environ={}).warnings == []
    assert resolve(sample, "dev", environ={}).warnings == [
        "strands.yaml:24 agent 'support' asks for vpc: true but environment 'dev' defines no vpc; "
        "it runs outside a VPC there"
    ]


def test_resolve_all_and_json(sample: LoadedProject) -> None:
    resolved = resolve_all(sample, environ={})
    assert list(resolved) == ["dev", "prod", "local"]
    data = resolved["prod"].to_json_dict()
    assert data["agents"]["support"]["memory"] == 1024
    assert data["environment"]["vpc"]["ipam_pool_id"] == "ipam-pool-0abc1234567890def"


# --------------------------------------------------------------------------- choosing environments


def test_choose_environment_order(sample: LoadedProject) -> None:
    assert choose_environment(sample.config, None, {}) == "dev"
    assert choose_environment(sample.config, None, {"STRANDS_ENV": "prod"}) == "prod"
    assert choose_environment(sample.config, "local", {"STRANDS_ENV": "prod"}) == "local"
    with pytest.raises(UserError) as caught:
        choose_environment(sample.config, None, {"STRANDS_ENV": "staging"})
    assert caught.value.summary == "unknown environment 'staging'"
    assert caught.value.detail == "environments in this project: dev, prod, local"


def test_default_environment_without_dev(tmp_path: Path) -> None:
    one = load_project(write_project(tmp_path / "one", "version: 1\nproject: demo-one\nenvironments: {qa: {}}\n"))
    none = load_project(write_project(tmp_path / "none", "version: 1\nproject: demo-none\n"))
    two = load_project(
        write_project(tmp_path / "two", "version: 1\nproject: demo-two\nenvironments: {qa: {}, prod: {}}\n")
    )
    assert choose_environment(one.config, None, {}) == "qa"
    assert choose_environment(none.config, None, {}) == "local"
    assert choose_environment(two.config, None, {}) == "local"


def test_a_declared_local_without_target_stays_the_emulator(tmp_path: Path) -> None:
    """Declaring `local` to give it a VPC made it an AWS environment: -e local then used the machine's AWS
    credentials (and would have deployed to that account) instead of the emulator."""
    root = write_project(
        tmp_path / "p",
        "version: 1\nproject: demo-local\nenvironments:\n  local: {vpc: {cidr: 10.30.0.0/16, nat: none}}\n",
    )
    loaded = load_project(root, env={})
    assert loaded.config.environments["local"].target == "emulator"
    resolved = resolve(loaded, "local", environ={})
    assert resolved.environment.target == "emulator" and resolved.environment.vpc is not None
    explicit = write_project(tmp_path / "q", "version: 1\nproject: demo-local\nenvironments: {local: {target: aws}}\n")
    assert load_project(explicit, env={}).config.environments["local"].target == "aws"  # said so: honoured


# ------------------------------------------------------------------------------------ deep merge


def test_defaults_agent_override_deep_merge(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        """
        version: 1
        project: merge-demo
        defaults:
          memory: 256
          environment: {LOG_LEVEL: info, REGION_HINT: us}
          dead_letter: {retention_days: 7}
        environments:
          prod:
            overrides:
              defaults: {timeout: 120}
              agents:
                a: {environment: {LOG_LEVEL: warning}, dead_letter: false, description: prod a}
              resources:
                jobs: {visibility_timeout: 900}
        agents:
          a:
            path: agents/a
            description: plain a
            environment: {FEATURE: "on"}
            dead_letter: true
            memory: 1024
          b: {path: agents/b, timeout: 30}
        resources:
          jobs: {type: sqs, visibility_timeout: 200}
        """,
        {"agents/a/app.py": APP, "agents/b/app.py": APP},
    )
    loaded = load_project(root, env={})
    dev = resolve(loaded, "local", environ={})
    prod = resolve(loaded, "prod", environ={})
    assert dev.agents["a"].environment == {"LOG_LEVEL": "info", "REGION_HINT": "us", "FEATURE": "on"}
    assert prod.agents["a"].environment == {"LOG_LEVEL": "warning", "REGION_HINT": "us", "FEATURE": "on"}
    # dead_letter: true in the agent keeps the retention from defaults (mappings merge key by key)
    assert dev.agents["a"].dead_letter is not None
    assert dev.agents["a"].dead_letter.retention_days == 7
    assert prod.agents["a"].dead_letter is None
    assert (dev.agents["a"].description, prod.agents["a"].description) == ("plain a", "prod a")
    assert (dev.agents["a"].memory, dev.agents["b"].memory) == (1024, 256)
    # overrides.defaults applies to every agent that does not set the value itself
    assert (prod.agents["a"].timeout, prod.agents["b"].timeout, dev.agents["a"].timeout) == (120, 30, 60)
    assert prod.resources["jobs"].visibility_timeout == 900
    assert dev.resources["jobs"].visibility_timeout == 200


def test_visibility_timeout_checked_per_environment(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        """
        version: 1
        project: vis-demo
        environments:
          prod: {overrides: {resources: {jobs: {visibility_timeout: 30}}}}
        agents:
          a: {path: ., triggers: [{queue: jobs}], timeout: 60}
        resources:
          jobs: {type: sqs, visibility_timeout: 360}
        """,
        {"app.py": APP},
    )
    loaded = load_project(root, env={})
    assert resolve(loaded, "local", environ={}).agents["a"].timeout == 60
    with pytest.raises(ConfigError) as caught:
        resolve(loaded, "prod", environ={})
    (issue,) = caught.value.issues
    assert issue.format() == (
        "strands.yaml:6:35 agents.a.triggers[0].queue: queue 'jobs' has visibility_timeout 30 s, less than the "
        "timeout 60 s of agent 'a' in environment 'prod'; AWS rejects the trigger"
    )


# -------------------------------------------------------------------------------------- monorepo


MONOREPO = """
version: 1
project: mono-demo
defaults: {memory: 512}
environments:
  prod: {overrides: {agents: {billing-bot: {memory: 2048}}}}
agents:
  router: {path: services/router}
resources:
  invoices: {type: dynamodb, hash_key: id}
"""


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    return write_project(
        tmp_path,
        MONOREPO,
        {
            "services/router/app.py": APP,
            "agents/support-chat/agent.yaml": "handler: app.handler\napi: {routes: ['POST /chat']}\n",
            "agents/support-chat/app.py": APP,
            "agents/support-mail/agent.yaml": "handler: main.handler\nmemory: 1024\n",
            "agents/support-mail/main.py": APP,
            "agents/billing/agent.yaml": (
                "name: billing-bot\nhandler: app.handler\npermissions: [{resource: invoices, access: read}]\n"
            ),
            "agents/billing/app.py": APP,
            "agents/notes/README.md": "no agent.yaml here: not an agent\n",
        },
    )


def test_monorepo_fragments_merge(monorepo: Path) -> None:
    loaded = load_project(monorepo, env={})
    assert sorted(loaded.config.agents) == ["billing-bot", "router", "support-chat", "support-mail"]
    assert loaded.config.agents["support-mail"].path == "agents/support-mail"
    assert loaded.config.agents["billing-bot"].path == "agents/billing"
    assert loaded.config.agents["support-mail"].handler == "main.handler"
    assert {n: p.relative_to(monorepo).as_posix() for n, p in loaded.fragment_files.items()} == {
        "billing-bot": "agents/billing/agent.yaml",
        "support-chat": "agents/support-chat/agent.yaml",
        "support-mail": "agents/support-mail/agent.yaml",
    }
    assert loaded.sources.locate(("agents", "support-mail", "memory")) == ("agents/support-mail/agent.yaml", 2, 9)
    assert loaded.sources.locate(("agents", "router", "path")) == ("strands.yaml", 7, 18)
    prod = resolve(loaded, "prod", environ={})
    assert prod.agents["billing-bot"].memory == 2048
    assert prod.agents["support-mail"].memory == 1024
    assert prod.agents["support-chat"].memory == 512


def test_monorepo_errors_point_into_fragments(monorepo: Path) -> None:
    (monorepo / "agents/billing/agent.yaml").write_text(
        "name: billing-bot\nhandler: app.handler\npermissions: [{resource: invoice, access: read}]\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_project(monorepo, env={})
    (issue,) = caught.value.issues
    assert issue.format() == (
        "agents/billing/agent.yaml:3:26 agents.billing-bot.permissions[0].resource: "
        "'invoice' is not a resource or agent of this project"
    )
    assert issue.hint == "did you mean 'invoices'?"


@pytest.mark.parametrize(
    ("patterns", "selected"),
    [
        ([], ["router", "support-chat", "support-mail", "billing-bot"]),
        (["support-*"], ["support-chat", "support-mail"]),
        (["router", "billing-?ot"], ["router", "billing-bot"]),
        (["*-mail", "support-*"], ["support-chat", "support-mail"]),
        (["router", "router"], ["router"]),
    ],
)
def test_agent_globs(monorepo: Path, patterns: list[str], selected: list[str]) -> None:
    loaded = load_project(monorepo, env={})
    names = list(loaded.config.agents)
    assert select_agents(names, patterns) == [n for n in names if n in selected]
    assert resolve(loaded, "local", agents=patterns, environ={}).selected_agents == [n for n in names if n in selected]


def test_agent_glob_matching_nothing(monorepo: Path) -> None:
    loaded = load_project(monorepo, env={})
    with pytest.raises(UserError) as caught:
        select_agents(loaded.config.agents, ["support-*", "suport-chat"])
    assert caught.value.summary == "--agent suport-chat matches no agent"
    assert caught.value.hint == "did you mean 'support-chat'?"


# --------------------------------------------------------------------------------- interpolation


def test_env_interpolation(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        """
        version: 1
        project: ${env:PROJECT}
        region: ${env:REGION:-eu-central-1}
        tags:
          owner: ${env:OWNER:-}
          mixed: team-${env:TEAM}-${env:SUFFIX:-x}
        environments:
          prod: {account: "${env:PROD_ACCOUNT}"}
        agents:
          a:
            path: .
            environment:
              TOKEN_NAME: "${env:TOKEN_NAME:-default-token}"
              LITERAL: "$${env:HOME}"
              PRICE: "$5 and ${env:TEAM}"
        """,
        {"app.py": APP, "agents/b/agent.yaml": "description: ${env:B_DESC}\n", "agents/b/app.py": APP},
    )
    env = {"PROJECT": "from-env", "TEAM": "ai", "PROD_ACCOUNT": "333333333333", "B_DESC": "fragment value"}
    loaded = load_project(root, env=env)
    config = loaded.config
    assert config.project == "from-env"
    assert config.region == "eu-central-1"
    assert config.tags == {"owner": "", "mixed": "team-ai-x"}
    assert config.environments["prod"].account == "333333333333"
    assert config.agents["a"].environment == {
        "TOKEN_NAME": "default-token",
        "LITERAL": "${env:HOME}",
        "PRICE": "$5 and ai",
    }
    assert config.agents["b"].description == "fragment value"
    # a set variable wins over the default
    assert load_project(root, env={**env, "REGION": "ap-south-1"}).config.region == "ap-south-1"


def test_unset_variable_in_fragment_is_located_there(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        "version: 1\nproject: frag-env\n",
        {"agents/b/agent.yaml": "handler: app.handler\ndescription: ${env:B_DESC}\n", "agents/b/app.py": APP},
    )
    with pytest.raises(ConfigError) as caught:
        load_project(root, env={})
    assert [i.format() for i in caught.value.issues] == [
        "agents/b/agent.yaml:2:14 description: environment variable B_DESC is not set"
    ]


# ------------------------------------------------------------------------------ anchors and merges


def test_yaml_anchors_and_merge_keys(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        """
        version: 1
        project: anchors-demo
        agents:
          a: &worker
            path: agents/a
            memory: 2048
            timeout: 300
            environment: &env {LOG_LEVEL: debug}
          b:
            <<: *worker
            path: agents/b
            timeout: 30
          c:
            <<: [*worker]
            path: agents/c
            environment: *env
        """,
        {"agents/a/app.py": APP, "agents/b/app.py": APP, "agents/c/app.py": APP},
    )
    loaded = load_project(root, env={})
    agents = loaded.config.agents
    assert (agents["b"].memory, agents["b"].timeout, agents["b"].path) == (2048, 30, "agents/b")
    assert (agents["c"].memory, agents["c"].timeout, agents["c"].path) == (2048, 300, "agents/c")
    assert agents["c"].environment == {"LOG_LEVEL": "debug"}


def test_config_file_option(tmp_path: Path) -> None:
    shutil.copytree(SAMPLE, tmp_path / "p")
    (tmp_path / "p" / "strands.yaml").rename(tmp_path / "p" / "strands.prod.yaml")
    loaded = load_project(config_file=tmp_path / "p" / "strands.prod.yaml", env={})
    assert loaded.root == tmp_path / "p"
    assert loaded.config.project == "support-desk"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path, env={})
    assert [i.format() for i in caught.value.issues] == ["strands.yaml file not found"]
    assert caught.value.issues[0].hint == "run `strands init` or pass -C DIR"


def test_utf8_bom_and_crlf(tmp_path: Path) -> None:
    (tmp_path / "strands.yaml").write_bytes(b"\xef\xbb\xbfversion: 1\r\nproject: bom-demo\r\nregion: eu-west-1\r\n")
    assert load_project(tmp_path, env={}).config.region == "eu-west-1"


# ---------------------------------------------------------------------------------------- regions


def test_every_partition_region_is_accepted(tmp_path: Path) -> None:
    """Real regions of every partition botocore knows pass, also those the old pattern refused."""
    names = ["us-east-1", "eu-central-2", "cn-northwest-1", "us-gov-west-1", "us-iso-east-1", "eusc-de-east-1"]
    body = "\n".join(f"  e{i}: {{region: {name}}}" for i, name in enumerate(names))
    write_project(tmp_path, f"version: 1\nproject: demo-desk\nregion: il-central-1\nenvironments:\n{body}\n")
    loaded = load_project(tmp_path, env={})
    assert [resolve(loaded, f"e{i}", environ={}).environment.region for i in range(len(names))] == names


def test_allow_unknown_region_at_project_level(tmp_path: Path) -> None:
    write_project(
        tmp_path,
        """
        version: 1
        project: demo-desk
        region: eu-brandnew-1
        allow_unknown_region: true
        state: {backend: s3, bucket: acme-tfstate, region: eu-brandnew-1}
        environments:
          dev: {region: ap-brandnew-2}
        """,
    )
    loaded = load_project(tmp_path, env={})
    assert resolve(loaded, "dev", environ={}).environment.region == "ap-brandnew-2"
    assert resolve(loaded, "local", environ={}).environment.region == "eu-brandnew-1"


def test_allow_unknown_region_keeps_the_shape_check(tmp_path: Path) -> None:
    write_project(tmp_path, "version: 1\nproject: demo-desk\nregion: Europe\nallow_unknown_region: true\n")
    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path, env={})
    assert [i.format() for i in caught.value.issues] == [
        "strands.yaml:3:9 region: 'Europe' is not an AWS region (for example us-east-1)"
    ]


def test_unknown_region_from_an_environment_variable_points_at_its_line(tmp_path: Path) -> None:
    write_project(tmp_path, "version: 1\nproject: demo-desk\nenvironments:\n  dev:\n    region: ${env:REGION}\n")
    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path, env={"REGION": "us-middle-9"})
    assert caught.value.issues[0].format() == (
        "strands.yaml:5:13 environments.dev.region: 'us-middle-9' is not a known AWS region"
    )
    assert load_project(tmp_path, env={"REGION": "eu-west-1"}).config.environments["dev"].region == "eu-west-1"


def test_key_prefixes_are_normalised_to_names_between_slashes(tmp_path: Path) -> None:
    """Leading, trailing and doubled '/' are dropped: Terraform's S3 backend refuses such keys."""
    loaded = load_project(
        write_project(
            tmp_path,
            """
            version: 1
            project: demo-keys
            state: {backend: s3, bucket: acme-tfstate, key_prefix: "/team-a//agents/"}
            history: {prefix: "/records//v1/"}
            """,
        ),
        env={},
    )
    assert loaded.config.state.key_prefix == "team-a/agents"
    assert loaded.config.history.prefix == "records/v1"
