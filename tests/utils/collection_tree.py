"""Lay out the collection where Ansible tools expect it: <dest>/ansible_collections/scalingo/cloud.

--link makes a symlink to the checkout (playbooks see edits at once); the default copies the files
git would ship (tracked and new, not ignored), without the simulator and benchmark, for ansible-test,
which needs a real directory of that name (given its own git index).
"""

import argparse
import os
import shutil
import subprocess

LEFT_OUT = ("simulator/", "bench/")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dest")
    parser.add_argument("--link", action="store_true")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    target = os.path.join(args.dest, "ansible_collections", "scalingo", "cloud")
    if os.path.islink(target):
        os.unlink(target)
    elif os.path.exists(target):
        shutil.rmtree(target)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if args.link:
        os.symlink(root, target)
        return
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=root, check=True, capture_output=True, text=True
    ).stdout.splitlines()
    for path in listed:
        source = os.path.join(root, path)
        if path.startswith(LEFT_OUT) or not os.path.isfile(source):
            continue
        os.makedirs(os.path.dirname(os.path.join(target, path)), exist_ok=True)
        shutil.copy2(source, os.path.join(target, path))
    # The copy sits inside this checkout, whose git ignores it: give it a git index of its own so
    # ansible-test lists its files.
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    subprocess.run(["git", "add", "-A"], cwd=target, check=True)


if __name__ == "__main__":
    main()
