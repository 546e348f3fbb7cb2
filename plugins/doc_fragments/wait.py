# Copyright: contributors to the scalingo.cloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The options built by wait_argument_spec() in plugins/module_utils/_module.py.
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait until Scalingo's asynchronous operation is done before returning.
      - When the app is busy with another operation, wait for it to finish before acting; with V(false),
        fail at once instead, naming the operation in progress.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait in all, for a busy app and for the operation, the retries of each poll included.
      - When the change was sent but did not finish in time, the task fails and reports a change (C(changed=true)).
    type: int
    default: 300
"""
