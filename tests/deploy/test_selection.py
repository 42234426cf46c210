"""`--agent` stack selection (deploy/selection.py): one answer for synth, plan, apply, destroy and rollback.

Layouts come from real synths of the sample project (`stacks: per_agent`) and of the monorepo example
(one stack), plus hand-built layouts for shapes the examples do not have. What is deployed is given
explicitly (StaticDeployed), so every rule is checked without Terraform.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from strands_tf.config import load_project, resolve
from strands_tf.deploy.selection import (
    Layout,
    ModuleInfo,
    StackInfo,
    StaticDeployed,
    check_resume_selection,
    layout_of_stacks,
    read_layout,
    select_stacks,
)
from strands_tf.errors import UserError
from strands_tf.generators.synth import synthesize

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "config" / "data" / "sample"
MONOREPO = REPO / "examples" / "agents-monorepo"

MAIN = "support-desk-local"
API = f"{MAIN}-api"
SUPPORT = f"{MAIN}-support"
TRIAGE = f"{MAIN}-triage"
MONO = "agents-monorepo-local"


def _synth(source: Path, dest: Path, *, per_agent: bool = False) -> tuple[Layout, Path]:
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".strands", "cdktf.out", "__pycache__"))
    if per_agent:
        config = dest / "strands.yaml"
        text = config.read_text()
        config.write_text(text.replace("project: support-desk\n", "project: support-desk\nstacks: per_agent\n"))
    loaded = load_project(dest)
    result = synthesize(loaded, resolve(loaded, "local"), packager=None)
    return layout_of_stacks(result.stacks), result.out_dir


@pytest.fixture(scope="module")
def per_agent(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    layout, _ = _synth(SAMPLE, tmp_path_factory.mktemp("per-agent") / "sample", per_agent=True)
    return layout


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    layout, _ = _synth(MONOREPO, tmp_path_factory.mktemp("single") / "mono")
    return layout


def everything(layout: Layout, *, except_stacks: tuple[str, ...] = ()) -> StaticDeployed:
    return StaticDeployed({n: frozenset(s.modules) for n, s in layout.stacks.items() if n not in except_stacks})


def test_the_layout_read_back_from_disk_is_the_synthesized_one(tmp_path: Path) -> None:
    layout, out = _synth(SAMPLE, tmp_path / "sample", per_agent=True)
    assert read_layout(out) == layout
    assert {name: s.kind for name, s in layout.stacks.items()} == {
        MAIN: "shared",
        API: "api",
        SUPPORT: "agent",
        TRIAGE: "agent",
    }
    assert layout.routed_agents(layout.stacks[API]) == {"support"}


# -- per_agent: destroy


def test_destroy_one_agent_keeps_the_shared_stack_another_deployed_agent_uses(per_agent: Layout) -> None:
    selection = select_stacks(per_agent, ["triage"], "destroy", deployed=everything(per_agent))
    assert selection.stacks == {TRIAGE: ()}
    assert "support-desk-local-support" in selection.left_alone[MAIN]
    assert "--include-shared" in selection.left_alone[MAIN]


def test_destroy_an_agent_with_the_api_takes_the_api_when_it_serves_no_one_else(per_agent: Layout) -> None:
    selection = select_stacks(per_agent, ["support"], "destroy", deployed=everything(per_agent))
    assert selection.stacks == {API: (), SUPPORT: ()}
    assert MAIN in selection.left_alone


def test_the_shared_stack_goes_with_its_last_deployed_reader(per_agent: Layout) -> None:
    deployed = everything(per_agent, except_stacks=(SUPPORT, API))
    selection = select_stacks(per_agent, ["triage"], "destroy", deployed=deployed)
    assert selection.stacks == {MAIN: (), TRIAGE: ()}
    assert any("no deployed stack uses it" in n for n in selection.notes)


def test_include_shared_destroys_the_shared_stack_anyway_and_says_so(per_agent: Layout) -> None:
    selection = select_stacks(per_agent, ["triage"], "destroy", deployed=everything(per_agent), include_shared=True)
    assert selection.stacks == {MAIN: (), TRIAGE: ()}
    assert any("--include-shared" in n and SUPPORT in n for n in selection.notes)


def test_a_stack_the_layout_does_not_know_keeps_the_shared_stack(per_agent: Layout) -> None:
    """An agent removed from strands.yaml whose stack is still deployed still reads the shared stack."""
    deployed = StaticDeployed(
        {MAIN: frozenset(per_agent.stacks[MAIN].modules), TRIAGE: frozenset({"agent_triage"})},
        unknown=(f"{MAIN}-billing",),
    )
    selection = select_stacks(per_agent, ["triage"], "destroy", deployed=deployed)
    assert selection.stacks == {TRIAGE: ()}
    assert f"{MAIN}-billing" in selection.left_alone[MAIN]


def test_destroying_an_agent_that_is_not_deployed_touches_nothing(per_agent: Layout) -> None:
    deployed = everything(per_agent, except_stacks=(TRIAGE,))
    selection = select_stacks(per_agent, ["triage"], "destroy", deployed=deployed)
    assert selection.stacks == {}
    assert selection.left_alone["agent triage"].startswith("not deployed")


def test_destroy_of_every_agent_is_the_whole_environment(per_agent: Layout) -> None:
    selection = select_stacks(per_agent, ["support", "triage"], "destroy", deployed=everything(per_agent))
    assert set(selection.stacks) == {MAIN, API, SUPPORT, TRIAGE}
    assert not selection.targeted


def _two_agent_api_layout() -> Layout:
    """shared ← a, b ← api (routes to both), as `stacks: per_agent` makes it."""
    main = StackInfo("p-e", (), {"table_t": ModuleInfo("table_t")})
    a = StackInfo("p-e-a", ("p-e",), {"agent_a": ModuleInfo("agent_a", "a"), "role_a": ModuleInfo("role_a", "a")})
    b = StackInfo("p-e-b", ("p-e",), {"agent_b": ModuleInfo("agent_b", "b")})
    api = StackInfo("p-e-api", ("p-e-a", "p-e-b"), {"api": ModuleInfo("api", api=True)})
    return Layout({s.name: s for s in (main, a, b, api)})


def test_destroying_one_of_two_agents_behind_the_api_is_refused_with_the_reason() -> None:
    layout = _two_agent_api_layout()
    with pytest.raises(UserError) as info:
        select_stacks(layout, ["a"], "destroy", deployed=everything(layout))
    assert "p-e-api" in (info.value.detail or "") and "b" in (info.value.detail or "")
    assert "--include-shared" in (info.value.hint or "")
    forced = select_stacks(layout, ["a"], "destroy", deployed=everything(layout), include_shared=True)
    assert set(forced.stacks) == {"p-e", "p-e-a", "p-e-api"}


def test_the_api_goes_when_its_other_agents_are_not_deployed() -> None:
    layout = _two_agent_api_layout()
    selection = select_stacks(layout, ["a"], "destroy", deployed=everything(layout, except_stacks=("p-e-b",)))
    assert set(selection.stacks) == {"p-e", "p-e-a", "p-e-api"}


# -- per_agent: plan / apply / synth


def test_apply_takes_the_agents_stacks_the_api_serving_them_and_what_they_read(per_agent: Layout) -> None:
    assert set(select_stacks(per_agent, ["support"], "apply").stacks) == {MAIN, API, SUPPORT}
    assert set(select_stacks(per_agent, ["triage"], "plan").stacks) == {MAIN, TRIAGE}
    assert set(select_stacks(per_agent, ["triage"], "synth").stacks) == {MAIN, TRIAGE}
    assert list(select_stacks(per_agent, None, "apply").stacks) == list(per_agent.stacks)


def test_apply_leaves_an_api_alone_that_would_read_an_undeployed_agent() -> None:
    layout = _two_agent_api_layout()
    selection = select_stacks(layout, ["a"], "apply", deployed=everything(layout, except_stacks=("p-e-b",)))
    assert set(selection.stacks) == {"p-e", "p-e-a"}
    assert "not deployed" in selection.left_alone["p-e-api"]
    both = select_stacks(layout, ["a"], "apply", deployed=everything(layout))
    assert set(both.stacks) == {"p-e", "p-e-a", "p-e-api"}


# -- per_agent: rollback


def test_rollback_of_one_agent_touches_only_its_own_stack(per_agent: Layout) -> None:
    selection = select_stacks(per_agent, ["triage"], "rollback", deployed=everything(per_agent))
    assert selection.stacks == {TRIAGE: ()}
    assert set(selection.left_alone) == {MAIN, API}


def test_rollback_creates_no_stack_that_is_not_deployed_unless_asked(per_agent: Layout) -> None:
    deployed = everything(per_agent, except_stacks=(TRIAGE,))
    selection = select_stacks(per_agent, None, "rollback", deployed=deployed)
    assert set(selection.stacks) == {MAIN, API, SUPPORT}
    assert selection.missing == [TRIAGE]
    assert any("--create-missing" in n for n in selection.notes)
    asked = select_stacks(per_agent, None, "rollback", deployed=deployed, create_missing=True)
    assert set(asked.stacks) == {MAIN, API, SUPPORT, TRIAGE}
    only = select_stacks(per_agent, ["triage"], "rollback", deployed=deployed)
    assert only.stacks == {} and only.missing == [TRIAGE]


# -- one stack for every agent: Terraform -target


def test_plan_of_one_agent_in_a_single_stack_targets_its_modules_and_what_they_use(single: Layout) -> None:
    selection = select_stacks(single, ["triage"], "plan")
    assert selection.stacks == {
        MONO: (
            "module.agent_triage",
            "module.alarm_topic",  # the environment's alarm topic, which the agent's alarms notify
            "module.alarms_triage",
            # the environment's Bedrock alarms (per model, shared by every agent) come with any agent: used by no
            # agent, they would otherwise never be applied by `--agent` runs, however many agents they cover
            "module.bedrock_alarms",
            "module.dlq_triage",
            "module.queue_inbound",
            "module.role_triage",
            "module.table_tickets",
            "module.topic_escalations",
        )
    }
    assert selection.targeted
    assert any("-target" in n for n in selection.notes)


def test_the_api_is_targeted_only_when_it_routes_to_selected_agents_alone(single: Layout) -> None:
    assert "module.api" in select_stacks(single, ["assistant"], "apply").stacks[MONO]
    assert "module.api" not in select_stacks(single, ["triage"], "apply").stacks[MONO]


def test_synth_writes_a_single_stack_whole(single: Layout) -> None:
    selection = select_stacks(single, ["triage"], "synth")
    assert selection.stacks == {MONO: ()}
    assert selection.notes


def test_destroy_in_a_single_stack_takes_only_the_agents_own_modules(single: Layout) -> None:
    selection = select_stacks(single, ["triage"], "destroy", deployed=everything(single))
    assert selection.stacks == {
        MONO: ("module.agent_triage", "module.alarms_triage", "module.dlq_triage", "module.role_triage")
    }
    kept = selection.left_alone[f"{MONO}: shared modules"]
    assert "module.table_tickets" in kept and "--include-shared" in kept


def test_destroy_in_a_single_stack_with_include_shared_never_takes_what_others_use(tmp_path: Path) -> None:
    """The tickets table is used by triage alone, conversations by assistant: only triage's shared modules go."""
    layout, _ = _synth(MONOREPO, tmp_path / "mono")
    selection = select_stacks(layout, ["triage"], "destroy", deployed=everything(layout), include_shared=True)
    assert selection.stacks == {
        MONO: (
            "module.agent_triage",
            "module.alarms_triage",
            "module.dlq_triage",
            "module.queue_inbound",
            "module.role_triage",
            "module.table_tickets",
            "module.topic_escalations",
        )
    }
    shared_by_both = Layout(
        {
            "s": StackInfo(
                "s",
                (),
                {
                    "t": ModuleInfo("t"),
                    "agent_a": ModuleInfo("agent_a", "a", uses=frozenset({"t"})),
                    "agent_b": ModuleInfo("agent_b", "b", uses=frozenset({"t"})),
                },
            )
        }
    )
    kept = select_stacks(shared_by_both, ["a"], "destroy", deployed=everything(shared_by_both), include_shared=True)
    assert kept.stacks == {"s": ("module.agent_a",)}
    assert "module.t" in kept.left_alone["s: shared modules"]


def test_destroy_of_the_last_agents_in_a_single_stack_takes_the_whole_stack(single: Layout) -> None:
    selection = select_stacks(single, ["assistant", "triage"], "destroy", deployed=everything(single))
    assert selection.stacks == {MONO: ()}
    alone = StaticDeployed(
        {MONO: frozenset(m for m in single.stacks[MONO].modules if "assistant" not in m and m != "api")}
    )
    assert select_stacks(single, ["triage"], "destroy", deployed=alone).stacks == {MONO: ()}


def test_destroy_in_a_single_stack_refuses_to_cascade_into_a_module_that_stays() -> None:
    """Terraform's targeted destroy also destroys what depends on a target: that must never be silent."""
    layout = Layout(
        {
            "s": StackInfo(
                "s",
                (),
                {
                    "agent_a": ModuleInfo("agent_a", "a"),
                    "agent_b": ModuleInfo("agent_b", "b", uses=frozenset({"agent_a"})),
                },
            )
        }
    )
    with pytest.raises(UserError) as info:
        select_stacks(layout, ["a"], "destroy", deployed=everything(layout))
    assert "module.agent_b" in (info.value.detail or "")


def test_rollback_in_a_single_stack_targets_the_deployed_modules_of_the_agent(single: Layout) -> None:
    selection = select_stacks(single, ["triage"], "rollback", deployed=everything(single))
    assert selection.stacks == {
        MONO: ("module.agent_triage", "module.alarms_triage", "module.dlq_triage", "module.role_triage")
    }
    partly = StaticDeployed({MONO: frozenset({"agent_triage", "role_triage"})})
    missing = select_stacks(single, ["triage"], "rollback", deployed=partly)
    assert missing.stacks == {MONO: ("module.agent_triage", "module.role_triage")}
    assert missing.missing == [f"{MONO}: module.alarms_triage", f"{MONO}: module.dlq_triage"]


# -- resume


def test_resume_continues_only_the_selection_it_was_made_for() -> None:
    check_resume_selection(["a"], None)
    check_resume_selection(["a", "b"], ["b", "a"])
    check_resume_selection(None, None)
    with pytest.raises(UserError, match="made for --agent a"):
        check_resume_selection(["a"], ["b"])
    with pytest.raises(UserError, match="every agent"):
        check_resume_selection(None, ["a"])
