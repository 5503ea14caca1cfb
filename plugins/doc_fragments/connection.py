# -*- coding: utf-8 -*-
# Copyright: smis.threepar contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """Connection options shared by every module (set them once with module_defaults group/smis.threepar.threepar)."""

    DOCUMENTATION = r'''
options:
  host:
    description:
      - Name or address of the array's SMI-S provider (the 3PAR CIM server).
      - If not set, the environment variable E(THREEPAR_HOST) is used.
    type: str
    required: true
  port:
    description:
      - TCP port of the CIM server.
      - Defaults to V(5989) with O(protocol=https) and V(5988) with O(protocol=http).
      - If not set, the environment variable E(THREEPAR_PORT) is used.
    type: int
  protocol:
    description:
      - V(https) (CIM-XML over TLS) or V(http) (clear text, lab only; the task gives a warning).
      - If not set, the environment variable E(THREEPAR_PROTOCOL) is used.
    type: str
    choices: [https, http]
    default: https
  username:
    description:
      - Array user. Reading needs the browse role, changing needs the edit role.
      - If not set, the environment variable E(THREEPAR_USERNAME) is used.
    type: str
    required: true
  password:
    description:
      - Password of O(username). Never logged nor returned.
      - If not set, the environment variable E(THREEPAR_PASSWORD) is used.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the array's TLS certificate. Set to V(false) only in a lab (the task gives a warning).
      - If not set, the environment variable E(THREEPAR_VALIDATE_CERTS) is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA (or the self-signed certificate) that signed the array's certificate.
      - If not set, the environment variable E(THREEPAR_CA_PATH) is used, then the system trust store.
    type: path
  namespace:
    description:
      - CIM namespace of the array's objects.
    type: str
    default: root/tpd
  timeout:
    description:
      - Seconds to wait for the answer to one CIM request (not for a job; see the module's C(wait_timeout) where it has one).
      - Must be positive. While a module waits for a job, a poll that fails or times out is retried (up to 5 in a row,
        within C(wait_timeout)).
    type: int
    default: 30
  ssh_port:
    description:
      - TCP port of the array's SSH server (the 3PAR CLI), for what SMI-S only reports (remote copy on InForm OS 3.1.x,
        see M(smis.threepar.threepar_rcopy_group)).
      - If not set, the environment variable E(THREEPAR_SSH_PORT) is used.
    type: int
    default: 22
  ssh_username:
    description:
      - CLI user; defaults to O(username) (the array's users are the same for SMI-S and the CLI).
      - If not set, the environment variable E(THREEPAR_SSH_USERNAME) is used.
    type: str
  ssh_password:
    description:
      - Password of the CLI user; defaults to O(password) unless O(ssh_private_key) is set. Never logged nor returned.
      - If not set, the environment variable E(THREEPAR_SSH_PASSWORD) is used.
    type: str
  ssh_private_key:
    description:
      - Private key file for the CLI user (its public key installed on the array with C(setsshkey)).
      - If not set, the environment variable E(THREEPAR_SSH_PRIVATE_KEY) is used.
    type: path
  ssh_private_key_passphrase:
    description:
      - Passphrase of O(ssh_private_key). Never logged nor returned.
      - If not set, the environment variable E(THREEPAR_SSH_PRIVATE_KEY_PASSPHRASE) is used.
    type: str
  ssh_known_hosts:
    description:
      - OpenSSH known_hosts file with the array's SSH host key. Host keys are always verified, so set this or
        O(ssh_host_key_fingerprint); an unknown or changed key is an error that shows its fingerprint, and nothing runs.
      - If not set, the environment variable E(THREEPAR_SSH_KNOWN_HOSTS) is used.
    type: path
  ssh_host_key_fingerprint:
    description:
      - The array's SSH host key fingerprint as OpenSSH prints it (V(SHA256:...)), checked on the array.
      - If not set, the environment variable E(THREEPAR_SSH_HOST_KEY_FINGERPRINT) is used.
    type: str
notes:
  - "Set the connection once for all modules of the collection with
    C(module_defaults: {group/smis.threepar.threepar: {host: ..., username: ..., password: ...}})."
  - "The modules talk to the array from the host they run on (usually the controller, with C(delegate_to: localhost))."
requirements:
  - pywbem >= 1.9.1
  - paramiko >= 3.4 (only for the 3PAR CLI over SSH)
'''
