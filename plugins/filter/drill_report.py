# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The smis.threepar.drill_report_html filter; its documentation is drill_report_html.yml next to this file."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.smis.threepar.plugins.module_utils.threepar.drill_report import render_html


def drill_report_html(report):
    """A DR drill report (dict) -> one self-contained HTML page (str)."""
    if not isinstance(report, dict):
        raise AnsibleFilterError('drill_report_html expects a drill report (a dict), not %s' % type(report).__name__)
    try:
        return render_html(report)
    except ValueError as exc:
        raise AnsibleFilterError('%s' % exc)


class FilterModule(object):
    """smis.threepar filters."""

    def filters(self):
        return {'drill_report_html': drill_report_html}
