#!/bin/bash
# tftp_negative_epoll.sh - tftp_negative.sh again with [tftp] io = epoll (see
# tftp_clients_epoll.sh).
export PB_IO=epoll
# shellcheck source=tests/integration/tftp_negative.sh
. "$(dirname "$0")/tftp_negative.sh"
