# Build helpers shared by every folder: components, the freestanding check,
# unikernels (hosted executable + guest image), tests, fuzz targets, benchmarks.

# Flags every guest object is compiled with, and that the freestanding check
# applies to every component source in the hosted presets.
set(TERN_GUEST_C_FLAGS
    -ffreestanding -nostdlib -mno-red-zone -fno-pic -fno-pie
    -fno-stack-protector -fno-asynchronous-unwind-tables -m64 -march=x86-64)

if(TERN_PLATFORM STREQUAL "guest")
  add_compile_options(${TERN_GUEST_C_FLAGS})
  set(TERN_PLATFORM_LIB tern_guest)
else()
  set(TERN_PLATFORM_LIB tern_hosted)
endif()

# tern_guest_image() and the guest preset's extra flags.
include(${CMAKE_CURRENT_LIST_DIR}/guest.cmake)

# tern_sealed_library(NAME SOURCES src... [LINK lib...])
# The static library NAME holding a single object: its sources linked into
# one with `ld -r`, then every hidden symbol made local (objcopy
# --localize-hidden). Only TERN_API functions stay global (STYLE.md 5), so a
# program can link Tern beside another library with the same internal names
# (lwIP's tcp_input, ip_output, arp_input), and a call across libraries to an
# unexported function fails the link. The sources compile in the object
# library NAME_objects, which white-box tests and fuzz targets link instead.
# LINK names the libraries that users of NAME (or of NAME_objects) link
# after it.
function(tern_sealed_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  add_library(${name}_objects OBJECT ${ARG_SOURCES})
  target_include_directories(${name}_objects PUBLIC ${PROJECT_SOURCE_DIR}/include)
  # INTERFACE: a user of the objects links these; the objects compile
  # without waiting for them (the platform and lib depend on each other).
  target_link_libraries(${name}_objects INTERFACE ${ARG_LINK})
  set(sealed ${CMAKE_CURRENT_BINARY_DIR}/${name}.sealed.o)
  add_custom_command(
    OUTPUT ${sealed}
    COMMAND ${CMAKE_LINKER} -r -o ${sealed} $<TARGET_OBJECTS:${name}_objects>
    COMMAND ${CMAKE_OBJCOPY} --localize-hidden ${sealed}
    DEPENDS $<TARGET_OBJECTS:${name}_objects>
    COMMAND_EXPAND_LISTS
    COMMENT "Sealing ${name}: one object, only TERN_API symbols global")
  add_library(${name} STATIC ${sealed})
  set_target_properties(${name} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${ARG_LINK})
endfunction()

# tern_component(NAME SOURCES src... [DEPS component...])
# Declares components/NAME as the sealed static library tern_NAME (see
# tern_sealed_library). Its sources are also fed to the freestanding check
# (see tern_freestanding_check).
function(tern_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  # Components call the platform services of dev.h; the platform library
  # uses components/lib in turn (a cycle CMake resolves for static libs).
  set(link ${TERN_PLATFORM_LIB})
  foreach(dep IN LISTS ARG_DEPS)
    list(APPEND link tern_${dep})
  endforeach()
  tern_sealed_library(tern_${name} SOURCES ${ARG_SOURCES} LINK ${link})
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(abs ${src} ABSOLUTE)
    set_property(GLOBAL APPEND PROPERTY TERN_COMPONENT_SOURCES ${abs})
  endforeach()
endfunction()

# tern_freestanding_check()
# Compiles every component source once more with the guest's flags, links the
# objects into one relocatable object and fails the build if it needs any
# symbol outside cmake/freestanding-allow.txt (platform services of dev.h and
# the few string functions the guest provides). A component that calls
# malloc, printf or a syscall breaks the build here.
function(tern_freestanding_check)
  get_property(srcs GLOBAL PROPERTY TERN_COMPONENT_SOURCES)
  add_library(tern_freestanding OBJECT ${srcs})
  target_include_directories(tern_freestanding PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(tern_freestanding PRIVATE
      ${TERN_GUEST_C_FLAGS} -fno-sanitize=all -UTERN_FUZZING)
  if(TERN_COVERAGE)
    # The counters' runtime is a hosted library: not part of the check.
    target_compile_options(tern_freestanding PRIVATE
        -fno-profile-instr-generate -fno-coverage-mapping)
  endif()
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/freestanding.ok)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND sh ${PROJECT_SOURCE_DIR}/cmake/freestanding-check.sh
            ${stamp} ${PROJECT_SOURCE_DIR}/cmake/freestanding-allow.txt
            $<TARGET_OBJECTS:tern_freestanding>
    DEPENDS tern_freestanding $<TARGET_OBJECTS:tern_freestanding>
            ${PROJECT_SOURCE_DIR}/cmake/freestanding-check.sh
            ${PROJECT_SOURCE_DIR}/cmake/freestanding-allow.txt
    COMMAND_EXPAND_LISTS
    COMMENT "Checking components link freestanding")
  add_custom_target(freestanding_check ALL DEPENDS ${stamp})
endfunction()

# tern_add_unikernel(NAME SOURCES src... COMPONENTS comp...)
# Declares an application once. Hosted presets build the executable NAME
# (linked with the hosted runner); the guest preset builds NAME.elf (linked
# with guest/). Exactly the named components are linked in.
function(tern_add_unikernel name)
  cmake_parse_arguments(ARG "" "" "SOURCES;COMPONENTS" ${ARGN})
  set(libs "")
  foreach(comp IN LISTS ARG_COMPONENTS)
    list(APPEND libs tern_${comp})
  endforeach()
  if(TERN_PLATFORM STREQUAL "guest")
    tern_guest_image(${name} SOURCES ${ARG_SOURCES} LIBS ${libs})
  else()
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE tern_hosted_runner ${libs} tern_hosted)
  endif()
endfunction()

# tern_add_test(NAME SOURCES src... [LIBS lib...] [LABELS label...] [TIMEOUT s])
# A Criterion test executable test_NAME, registered with CTest as NAME.
function(tern_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(test_${name} ${ARG_SOURCES})
  target_link_libraries(test_${name} PRIVATE ${ARG_LIBS} tern_hosted criterion)
  target_include_directories(test_${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  add_test(NAME ${name} COMMAND test_${name} --jobs 2)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT}
                       LABELS "unit;${ARG_LABELS}")
endfunction()

# tern_add_fuzz(NAME SOURCES src... [LIBS lib...] [INCLUDES dir...])
# A fuzz target NAME, its inputs in fuzz/corpus/NAME (seeds) and
# fuzz/regress/NAME (every finding fixed). Every hosted preset with tests
# or fuzzing builds replay_NAME (fuzz/common/replay.c: the inputs through
# the target without libFuzzer) and registers it as the CTest test
# replay_NAME, which runs each input twice in different orders (--twice).
# With TERN_FUZZ it also builds the libFuzzer target fuzz_NAME, which CTest
# runs over its corpus plus a few seconds of fresh fuzzing (ci/fuzz.sh runs
# longer), and adds NAME to the global property TERN_FUZZ_NAMES (the list
# fuzz/CMakeLists.txt turns into the target tern_fuzzers and the file
# fuzz/targets.txt).
function(tern_add_fuzz name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;INCLUDES" ${ARGN})
  set(includes ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/fuzz/common
               ${ARG_INCLUDES})
  set(common ${PROJECT_SOURCE_DIR}/fuzz/common/fuzz_init.c
             ${PROJECT_SOURCE_DIR}/fuzz/common/fuzz_trace.c)
  set(corpus ${PROJECT_SOURCE_DIR}/fuzz/corpus/${name})
  set(regress ${PROJECT_SOURCE_DIR}/fuzz/regress/${name})

  add_executable(replay_${name} ${ARG_SOURCES} ${common}
                 ${PROJECT_SOURCE_DIR}/fuzz/common/replay.c)
  # In a fuzz build every object is instrumented for libFuzzer, so the
  # replay links libFuzzer's runtime without its main (fuzz/CMakeLists.txt).
  target_link_libraries(replay_${name} PRIVATE ${ARG_LIBS} tern_lib
                        ${TERN_FUZZER_NO_MAIN})
  target_include_directories(replay_${name} PRIVATE ${includes})
  add_test(NAME replay_${name}
           COMMAND replay_${name} --twice ${corpus} ${regress})
  set_tests_properties(replay_${name} PROPERTIES TIMEOUT 120 LABELS replay)
  if(NOT TERN_FUZZ)
    return()
  endif()

  add_executable(fuzz_${name} ${ARG_SOURCES} ${common})
  set_property(GLOBAL APPEND PROPERTY TERN_FUZZ_NAMES ${name})
  target_link_libraries(fuzz_${name} PRIVATE ${ARG_LIBS} tern_lib)
  target_include_directories(fuzz_${name} PRIVATE ${includes})
  target_link_options(fuzz_${name} PRIVATE ${TERN_FUZZ_ENGINE})
  add_test(NAME fuzz_${name}
           COMMAND sh ${PROJECT_SOURCE_DIR}/fuzz/run-target.sh
                   $<TARGET_FILE:fuzz_${name}> ${corpus} 5)
  set_tests_properties(fuzz_${name} PROPERTIES TIMEOUT 120 LABELS fuzz)
endfunction()

# tern_add_bench(NAME SOURCES src... [LIBS lib...])
# A benchmark executable bench_NAME linked with bench/runner.c. ci/bench.sh
# runs every bench_* and collects their JSON in build/bench/; CTest runs
# each once with --quick (label bench, release preset).
function(tern_add_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(bench_${name} ${ARG_SOURCES})
  target_link_libraries(bench_${name} PRIVATE tern_bench_runner ${ARG_LIBS} tern_hosted)
  target_include_directories(bench_${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  # A smoke run keeps every benchmark working; it checks that the program
  # runs and writes its JSON, never its timings.
  add_test(NAME bench_${name}_smoke
           COMMAND bench_${name} --quick --out ${CMAKE_BINARY_DIR}/bench-smoke)
  set_tests_properties(bench_${name}_smoke PROPERTIES LABELS bench TIMEOUT 300)
endfunction()
