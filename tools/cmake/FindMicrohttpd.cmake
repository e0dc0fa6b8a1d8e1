# FindMicrohttpd: GNU libmicrohttpd, the embedded HTTP server behind
# `cpsim serve` (Debian libmicrohttpd-dev), found through pkg-config.
# Defines Microhttpd_FOUND and the imported target Microhttpd::Microhttpd,
# which only the cpsim executable links: no library layer depends on it.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(MICROHTTPD QUIET IMPORTED_TARGET libmicrohttpd)
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Microhttpd
  REQUIRED_VARS MICROHTTPD_LINK_LIBRARIES
  VERSION_VAR MICROHTTPD_VERSION)
if(Microhttpd_FOUND AND NOT TARGET Microhttpd::Microhttpd)
  add_library(Microhttpd::Microhttpd INTERFACE IMPORTED)
  target_link_libraries(Microhttpd::Microhttpd INTERFACE PkgConfig::MICROHTTPD)
endif()
