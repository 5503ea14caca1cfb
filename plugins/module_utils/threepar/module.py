# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module of the collection does around its own work, in one place: the connection options, the library
checks, the run, and failure handling (``msg`` that says what to do, the traceback in ``exception`` for -vvv, and
the versions a bug report needs). Secrets never reach the result: the connection options are no_log, and
AnsibleModule removes their values from everything it returns, the traceback included."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import platform
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.smis.threepar.plugins.module_utils.threepar.cli import HAS_PARAMIKO, PARAMIKO_IMPORT_ERROR
from ansible_collections.smis.threepar.plugins.module_utils.threepar.client import (
    HAS_PYWBEM, PYWBEM_IMPORT_ERROR, check_connection, connection_argument_spec)
from ansible_collections.smis.threepar.plugins.module_utils.threepar.errors import ThreeparError

# The collection's version (galaxy.yml; a unit test keeps the two equal).
COLLECTION_VERSION = '0.1.0'
LIBRARIES = {'pywbem': (HAS_PYWBEM, PYWBEM_IMPORT_ERROR), 'paramiko': (HAS_PARAMIKO, PARAMIKO_IMPORT_ERROR)}


def versions():
    """The versions of what the module ran with, for a bug report (AWX users paste the failed task's result)."""
    found = {'collection': COLLECTION_VERSION, 'python': platform.python_version()}
    for name, module in (('ansible_core', 'ansible.module_utils.ansible_release'), ('pywbem', 'pywbem'), ('paramiko', 'paramiko')):
        try:
            found[name] = __import__(module, fromlist=['__version__']).__version__
        except ImportError:
            found[name] = None
    return found


def run_module(argument_spec, run, libraries=lambda params: (), **module_options):
    """Build the module (its ``argument_spec`` + the connection options), check the libraries it needs (pywbem, and
    ``libraries(params)``), call ``run(module)`` and exit with its result, or fail with a message that says what to do."""
    spec = connection_argument_spec()
    spec.update(argument_spec)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **module_options)
    for name in ('pywbem',) + tuple(libraries(module.params)):
        present, import_error = LIBRARIES[name]
        if not present:
            module.fail_json(msg=missing_required_lib(name), exception=import_error, versions=versions())
    try:
        insecure = check_connection(module.params)
        if insecure:
            module.warn(insecure)
        result = run(module)
    except ThreeparError as exc:
        module.fail_json(msg=str(exc), exception=traceback.format_exc(), versions=versions(), **exc.details)
    except Exception as exc:  # pylint: disable=broad-except
        # A bug, not a refusal of the array: say so, and give what a report needs.
        module.fail_json(msg='Unexpected %s in the smis.threepar collection: %s. The run stopped there (threepar_info '
                         'shows what the array has now); report it with the traceback (exception) and the versions of the result.'
                         % (type(exc).__name__, exc), exception=traceback.format_exc(), versions=versions())
    module.exit_json(**result)
