# The Inception Score's two ends with the classifier the trainer tests use: held-out real digits
# score near 10 (above 9 after its 10 epochs), one image repeated scores 1. Its accuracy on the
# first 2,000 MNIST test digits after 10 epochs of the first 8,000 training digits: 93.9% (seed 1).
file(READ ${OUT}/metrics.json json)
string(JSON real GET "${json}" inception_score_real_heldout)
string(JSON constant GET "${json}" inception_score_constant_image)
string(JSON accuracy GET "${json}" heldout_accuracy)
if(real LESS 9 OR constant GREATER 1.01 OR constant LESS 0.99 OR accuracy LESS 0.92)
  message(FATAL_ERROR "classifier: accuracy ${accuracy}, IS of held-out digits ${real}, of a constant image ${constant}")
endif()
message(STATUS "accuracy ${accuracy}, IS real ${real}, IS constant ${constant}")
