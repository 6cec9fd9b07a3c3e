# kiln_add_model(<target> MODEL <file.onnx> [NAME <c-name>] [SHAPE <input=dims>...]
#                [TRIPLE <triple>] [CPU <cpu>] [OPTIONS <kilnc options>...])
#
# Compiles an ONNX model with kilnc at build time into a static library
# <target> that carries the object; linking <target> puts <c-name>.h on the
# include path. The model is recompiled when the model file or kilnc changes.
# In a cross build (a toolchain file) TRIPLE defaults to the toolchain's
# target; CPU defaults to kilnc's own default, the target's baseline.
include_guard(GLOBAL)

# The Kiln target triple for the processor a toolchain file names.
function(_kiln_default_triple out)
  if(NOT CMAKE_CROSSCOMPILING)
    set(${out} "" PARENT_SCOPE)
    return()
  endif()
  string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" processor)
  if(processor MATCHES "^(aarch64|arm64)$")
    set(triple aarch64-linux-gnu)
  elseif(processor MATCHES "^arm")
    set(triple armv7a-linux-gnueabihf)
  elseif(processor STREQUAL "riscv64")
    set(triple riscv64-linux-gnu)
  elseif(processor MATCHES "^(x86_64|amd64)$")
    set(triple x86_64-linux-gnu)
  else()
    message(FATAL_ERROR "kiln_add_model: Kiln has no target for CMAKE_SYSTEM_PROCESSOR "
                        "'${CMAKE_SYSTEM_PROCESSOR}'; pass TRIPLE")
  endif()
  set(${out} ${triple} PARENT_SCOPE)
endfunction()

function(kiln_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "MODEL;NAME;TRIPLE;CPU" "SHAPE;OPTIONS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "kiln_add_model(${target}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_MODEL)
    message(FATAL_ERROR "kiln_add_model(${target}): MODEL <file.onnx> is required")
  endif()
  if(NOT TARGET Kiln::kilnc)
    message(FATAL_ERROR "kiln_add_model(${target}): Kiln::kilnc is not defined; call find_package(Kiln)")
  endif()
  get_filename_component(model "${arg_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${model}")
    message(FATAL_ERROR "kiln_add_model(${target}): no model file '${model}'")
  endif()
  set(name ${target})
  if(arg_NAME)
    set(name ${arg_NAME})
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "kiln_add_model(${target}): '${name}' is not a C identifier; pass NAME")
  endif()
  set(triple ${arg_TRIPLE})
  if(NOT triple)
    _kiln_default_triple(triple)
  endif()

  set(flags --name ${name})
  foreach(shape IN LISTS arg_SHAPE)
    list(APPEND flags --shape ${shape})
  endforeach()
  if(triple)
    list(APPEND flags --target ${triple})
  endif()
  if(arg_CPU)
    list(APPEND flags --cpu ${arg_CPU})
  endif()
  list(APPEND flags ${arg_OPTIONS})

  set(dir ${CMAKE_CURRENT_BINARY_DIR}/kiln/${target})
  set(object ${dir}/${name}.o)
  set(header ${dir}/${name}.h)
  add_custom_command(
    OUTPUT ${object} ${header}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    # The path, not the target name: in a cross build CMake would run a target
    # name under the toolchain's emulator, and kilnc runs on the build machine.
    COMMAND $<TARGET_FILE:Kiln::kilnc> ${model} -o ${object} ${flags}
    DEPENDS ${model} $<TARGET_FILE:Kiln::kilnc>
    COMMENT "kilnc ${arg_MODEL} -> ${name}.o"
    VERBATIM)
  set_source_files_properties(${object} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  add_library(${target} STATIC ${object} ${header})
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${target} INTERFACE ${dir})
  # The object calls libm (expf, floorf, ...) and nothing else outside libc.
  target_link_libraries(${target} INTERFACE m)
endfunction()
