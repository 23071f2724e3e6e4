# What ctnn's optional headers need beyond ctnn::ctnn's own dependencies, found the same way by
# ctnn's build and by its installed package (ctnnConfig.cmake):
#  - CTNN_CCCL_INCLUDE_DIR: CCCL's Thrust headers, for the ThrustOmp device (ctnn::thrust_omp).
#    A CUDA toolkit ships them; CUDA 13 keeps them under include/cccl.
#  - CTNN_STB_INCLUDE_DIR: stb's headers, for viz/image_grid.hpp (Debian: libstb-dev).
find_path(CTNN_CCCL_INCLUDE_DIR thrust/version.h
  HINTS ${CUDAToolkit_ROOT}/include/cccl $ENV{CUDA_PATH}/include/cccl $ENV{CUDA_HOME}/include/cccl
        /usr/local/cuda/include/cccl /usr/local/cuda/targets/x86_64-linux/include/cccl
  DOC "Directory holding CCCL's thrust/ headers")
find_path(CTNN_STB_INCLUDE_DIR stb/stb_image_write.h DOC "Directory holding stb/stb_image_write.h (Debian: libstb-dev)")
