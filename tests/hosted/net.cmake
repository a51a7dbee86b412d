# The hosted network devices TAP, pcap (record and replay) and wire
# (hosted/net/), the netns helper, and the hosted runner (hosted/runner/).
#
#   hosted_wire         wire netdev: stream and dgram framing, reassembly,
#                       protocol errors (unit)
#   hosted_wire_qemu    QEMU 7.2 as a hub between a stream and a dgram wire:
#                       the framing interoperates (interop: runs qemu)
#   hosted_wire_valgrind  hosted_wire under Valgrind memcheck (valgrind)
#   hosted_pcap         pcap recording read back through libpcap, replay on
#                       the virtual clock (unit)
#   hosted_pcap_tshark  recordings read back through tshark (interop)
#   hosted_tap          TAP in a private network namespace against the
#                       kernel, AF_PACKET on the far side; netns helper;
#                       the runner on a TAP (interop: root)
#   hosted_runner       the runner's flags, specs, exit codes, and runs
#                       over wire, pcap replay and a disk (unit)

# The runner's test application, declared the way every app is.
tern_add_unikernel(runner_app SOURCES runner_app.c COMPONENTS lib)

tern_add_test(hosted_wire SOURCES test_wire.c wire_util.c runner_util.c
              LIBS tern_hosted)
tern_add_test(hosted_wire_qemu SOURCES wire_qemu.c wire_util.c
              runner_util.c LIBS tern_hosted LABELS interop TIMEOUT 120)
tern_add_test(hosted_pcap SOURCES test_pcap.c pcap_util.c wire_util.c
              runner_util.c LIBS tern_hosted pcap)
tern_add_test(hosted_pcap_tshark SOURCES pcap_tshark.c pcap_util.c
              wire_util.c runner_util.c LIBS tern_hosted pcap LABELS interop)
tern_add_test(hosted_tap SOURCES test_tap.c wire_util.c runner_util.c
              LIBS tern_hosted LABELS interop TIMEOUT 120)
tern_add_test(hosted_runner SOURCES test_runner.c pcap_util.c wire_util.c
              runner_util.c LIBS tern_hosted_runner_core tern_hosted pcap)

target_include_directories(test_hosted_runner PRIVATE
  ${PROJECT_SOURCE_DIR}/hosted/runner)
foreach(t hosted_tap hosted_runner)
  add_dependencies(test_${t} runner_app)
  target_compile_definitions(test_${t} PRIVATE
    RUNNER_APP="$<TARGET_FILE:runner_app>")
endforeach()

# The wire tests again under Valgrind memcheck (label valgrind).
tern_add_valgrind_test(hosted_wire TIMEOUT 300)
