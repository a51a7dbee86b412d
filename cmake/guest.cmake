# Guest images: flags for the guest preset and tern_guest_image(), which
# links an application with guest/ into a bootable PVH ELF (NAME.elf).
#
# Every guest object keeps its frame pointer (the exception handler and
# tern_abort() print frame-pointer backtraces) and gets its own sections so
# that the linker drops what an image does not use.

set(TERN_GUEST_LDS ${CMAKE_CURRENT_LIST_DIR}/../guest/guest.ld)

option(TERN_GUEST_SSE "Let the compiler use SSE registers in guest code" ON)

if(TERN_PLATFORM STREQUAL "guest")
  add_compile_options(-fno-omit-frame-pointer -ffunction-sections
                      -fdata-sections)
  # OFF builds images for hypervisors that emulate every guest instruction
  # with KVM's instruction emulator (PVM), which knows little SSE. The fiber
  # switch's MXCSR save still needs a real CPU; see tests/guest/accel.sh.
  if(NOT TERN_GUEST_SSE)
    add_compile_options(-mgeneral-regs-only)
  endif()
endif()

# tern_guest_image(NAME SOURCES src... [LIBS lib...])
# The bootable image NAME.elf (CMake target NAME): the sources, the libraries
# (components), guest/ and components/lib, linked at 1 MiB by guest/guest.ld.
# Boot it with qemu-system-x86_64 -kernel NAME.elf (see README.md).
function(tern_guest_image name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES} $<TARGET_OBJECTS:tern_guest_boot>)
  set_target_properties(${name} PROPERTIES SUFFIX ".elf"
                        LINK_DEPENDS ${TERN_GUEST_LDS})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} tern_guest tern_lib gcc)
  target_link_options(${name} PRIVATE
    -nostdlib -static $<$<C_COMPILER_ID:GNU>:-no-pie> # clang: implied
    -Wl,-T,${TERN_GUEST_LDS}
    -Wl,--gc-sections
    -Wl,-z,max-page-size=4096
    -Wl,-z,noexecstack
    -Wl,--build-id=none)
endfunction()
