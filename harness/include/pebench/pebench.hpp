// pebench SDK: everything a plugin needs.
#pragma once

#include "pebench/config.hpp"
#include "pebench/distance_table.hpp"
#include "pebench/encoding.hpp"
#include "pebench/plugin.hpp"
#include "pebench/random.hpp"
#include "pebench/rotary.hpp"
#include "pebench/simd.hpp"
#include "pebench/view.hpp"
