#!/bin/bash
# tftp_clients_epoll.sh - tftp_clients.sh again with [tftp] io = epoll: the way transfers go
# where the kernel has no io_uring (before Linux 6.1, or disabled) is as right.
export PB_IO=epoll
# shellcheck source=tests/integration/tftp_clients.sh
. "$(dirname "$0")/tftp_clients.sh"
