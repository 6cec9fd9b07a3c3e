# The CMake package and the Debian package. `cmake --install build --prefix P`
# gives P/bin/kilnc, the Halide kernel sets kilnc finds next to it
# (P/lib/kiln/kernels), libkiln_runtime with kiln_runtime.h (and its source,
# for cross builds), and the package P/<libdir>/cmake/Kiln; `cpack` in build/
# packs the same tree into a .deb. The install rules of each target live
# beside it; this file, included last, writes the package files.
include(CMakePackageConfigHelpers)

set(KILN_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Kiln)
set(KILN_INCLUDE_DIR ${CMAKE_INSTALL_INCLUDEDIR})
set(KILN_RUNTIME_SOURCE_DIR ${CMAKE_INSTALL_DATADIR}/kiln/runtime)

install(EXPORT KilnCompilerTargets NAMESPACE Kiln:: DESTINATION ${KILN_PACKAGE_DIR})
install(EXPORT KilnRuntimeTargets NAMESPACE Kiln:: DESTINATION ${KILN_PACKAGE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/KilnConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/KilnConfig.cmake
  INSTALL_DESTINATION ${KILN_PACKAGE_DIR}
  PATH_VARS KILN_INCLUDE_DIR KILN_RUNTIME_SOURCE_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/KilnConfigVersion.cmake
  COMPATIBILITY SameMinorVersion
  # kilnc runs on the build machine and cross builds compile the runtime from
  # its installed source, so a 32-bit target (ARMv7) uses the package too.
  ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/cmake/KilnConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/KilnConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/KilnAddModel.cmake
        DESTINATION ${KILN_PACKAGE_DIR})

# A Debian package of the same install tree. kilnc's shared libraries
# (libLLVM, libMLIR, libonnx, protobuf, fmt) become package dependencies
# through dpkg-shlibdeps.
set(CPACK_PACKAGE_NAME kiln)
set(CPACK_PACKAGE_VENDOR Kiln)
set(CPACK_PACKAGE_CONTACT "Kiln developers <kiln@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Ahead-of-time compiler from ONNX models to object files and C headers")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What kiln_add_model needs in the user's build besides kilnc itself.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "cmake (>= 3.25), gcc | c-compiler")
include(CPack)
