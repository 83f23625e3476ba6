# Is the firmware tool chain here? avr-gcc (gcc-avr, avr-libc, binutils-avr) builds the images,
# libsimavr-dev (with libelf-dev, libgl-dev) the harness. SM_FIRMWARE defaults to ON when both
# are found; included by the top-level CMakeLists.txt and by tests/CMakeLists.txt.
if(NOT DEFINED SM_FIRMWARE_FOUND)
  find_program(SM_AVR_GCC avr-gcc)
  find_program(SM_AVR_SIZE avr-size)
  pkg_check_modules(SM_SIMAVR_CHECK QUIET simavr)
  if(SM_AVR_GCC AND SM_AVR_SIZE AND SM_SIMAVR_CHECK_FOUND)
    set(SM_FIRMWARE_FOUND ON)
  else()
    set(SM_FIRMWARE_FOUND OFF)
  endif()
endif()
option(SM_FIRMWARE "Build the ATmega328P firmware, its simavr harness and their tests"
  ${SM_FIRMWARE_FOUND})
# Where the AVR images are built (the external project's binary directory).
set(SM_FW_BUILD_DIR ${CMAKE_BINARY_DIR}/firmware-avr)
