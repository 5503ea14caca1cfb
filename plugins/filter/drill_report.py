# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The smis.threepar.drill_report_html filter; its documentation is drill_report_html.yml next to this file."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import jinja2
from ansible.errors import AnsibleFilterError

from ansible_collections.smis.threepar.plugins.plugin_utils.drill_report import TEMPLATE, render_html


def drill_report_html(report, template=None):
    """A DR drill report (dict) -> one HTML page (str), from the collection's template or ``template`` (a path)."""
    if not isinstance(report, dict):
        raise AnsibleFilterError('drill_report_html expects a drill report (a dict), not %s' % type(report).__name__)
    if template and not os.path.isfile(template):
        raise AnsibleFilterError('drill_report_html: the template %s is not a file; give the path of a copy of the '
                                 "collection's plugins/plugin_utils/templates/drill_report.html.j2" % template)
    try:
        return render_html(report, template or None)
    except ValueError as exc:
        raise AnsibleFilterError('%s' % exc)
    except jinja2.TemplateError as exc:
        raise AnsibleFilterError('drill_report_html: the template %s cannot be rendered: %s' % (template or TEMPLATE, exc))


class FilterModule(object):
    """smis.threepar filters."""

    def filters(self):
        return {'drill_report_html': drill_report_html}
