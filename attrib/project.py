"""The project a command judges for: its root, its policy and its notice files.

Every front end judges with the policy of the project it runs in, found one way: the
root is the top of the git work tree holding the starting directory (``attrib check
-C DIR``'s repository; the current directory for ``attrib scan``, ``attrib generate``
and ``attrib serve``), else that directory itself. At the root, the policy is
``.attrib.toml``, else ``[tool.attrib]`` in ``pyproject.toml``, else the default
(:func:`attrib.policy.policy_file`); ``--policy FILE`` names another. The notice files
the policy lists are read there (:func:`attrib.notices.read_notices`), so a source the
project already credits passes everywhere, not only in ``attrib check``.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from attrib.judge import Judge
from attrib.notices import read_notices
from attrib.policy import Policy, policy_file


@dataclass(frozen=True)
class Project:
    """A project's root, policy and notice files (lower-cased text)."""

    root: Path
    policy: Policy
    notices: str

    @property
    def judge(self) -> Judge:
        return Judge(self.policy, self.notices)


def open_project(root: Path, policy: str | Path | None = None) -> Project:
    """The project at ``root``, judged by the policy file ``policy`` when given, else
    by the one found at ``root``."""
    found = policy_file(root, None if policy is None else str(policy))
    return Project(root, found, read_notices(root, found.notice_files))


def find_project(start: Path | None = None, policy: str | Path | None = None) -> Project:
    """The project holding ``start`` (default: the current directory): see the module
    docstring."""
    return open_project(find_root(start or Path.cwd()), policy)


def find_root(start: Path) -> Path:
    """The top of the git work tree holding ``start``, else ``start`` itself."""
    try:
        done = subprocess.run(["git", "-C", str(start), "rev-parse", "--show-toplevel"], capture_output=True,
                              check=False)
    except OSError:  # no git: no work tree to find
        return start
    top = done.stdout.rstrip(b"\n")
    return Path(top.decode("utf-8", "surrogateescape")) if done.returncode == 0 and top else start
