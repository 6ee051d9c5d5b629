# SPDX-License-Identifier: MIT
# Project-wide helpers: warnings on our own targets, sanitizers, test registration.

option(SWITCHBOARD_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(SWITCHBOARD_WERROR "Treat warnings as errors on Switchboard targets" ON)

if(SWITCHBOARD_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
endif()

# Warnings as errors apply to our targets only, never to Qt's generated code in other targets.
function(switchboard_target_defaults target)
    target_compile_options(${target} PRIVATE -Wall -Wextra)
    if(SWITCHBOARD_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
    target_compile_definitions(${target} PRIVATE
        QT_NO_URL_CAST_FROM_STRING QT_NO_NARROWING_CONVERSIONS_IN_CONNECT)
endfunction()

# switchboard_add_test(tst_name SOURCES a.cpp ... LIBS lib ... [LABELS l ...])
function(switchboard_add_test name)
    cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    switchboard_target_defaults(${name})
    target_link_libraries(${name} PRIVATE Qt6::Test ${ARG_LIBS})
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 300
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;ASAN_OPTIONS=detect_leaks=1;UBSAN_OPTIONS=print_stacktrace=1")
endfunction()
