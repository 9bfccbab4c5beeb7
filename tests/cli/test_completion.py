"""Shell completion: typer's --install-completion / --show-completion, and values completed from the data."""

from __future__ import annotations

import os
import subprocess
import sys


def complete(words: str) -> list[str]:
    """What bash completion offers for the last word of ``words`` (as the installed script asks for it)."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    env = {**os.environ, "_RT_EXPLORE_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    proc = subprocess.run([sys.executable, "-m", "rt_explore"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_show_completion_prints_a_script_for_each_shell():
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    for shell, marker in (("bash", "complete -o default -F"), ("zsh", "compdef"), ("fish", "complete --command")):
        proc = subprocess.run([sys.executable, "-m", "rt_explore", "--show-completion", shell], env=env,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert "_RT_EXPLORE_COMPLETE" in proc.stdout and marker in proc.stdout and "rt-explore" in proc.stdout


def test_the_help_offers_completion():
    proc = subprocess.run([sys.executable, "-m", "rt_explore", "--help"], capture_output=True, text=True, timeout=60)
    assert "--install-completion" in proc.stdout and "--show-completion" in proc.stdout


def test_commands_options_ids_and_values_complete():
    assert "show" in complete("rt-explore sh")
    assert "--axis" in complete("rt-explore list --ax")
    assert set(complete("rt-explore list --axis de")) == {"depth", "depth+step"}
    assert "universal-transformer" in complete("rt-explore show universal-t")
    assert "paper-table-1" in complete("rt-explore list --tag paper-")
