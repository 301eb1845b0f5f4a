# tl's modules, written once: the build (src/CMakeLists.txt), the layering check
# (cmake/CheckLayering.cmake), the unit tests (tests/CMakeLists.txt) and the install rules read them.
# TL_MODULES is the order data flows through tl; TL_MODULE_USES_<module> lists the modules whose
# headers it may include and whose libraries it may link; only TL_TORCH_MODULES may include LibTorch
# and only TL_OPENCV_MODULES OpenCV. report (HTML pages from a run directory) and sweep (it runs the
# executables) sit beside the tensor modules and need no LibTorch. model holds what inference needs
# (head, checkpoint, trained classifier, export) and the optimizer and schedule that both training and
# synthesis use, so that evaluation, prediction and synthesis do not depend on the trainer.
set(TL_MODULES base config data run features dist model explain train eval synthesis report sweep)
set(TL_MODULE_USES_base "")
set(TL_MODULE_USES_config base)
set(TL_MODULE_USES_data base config)
set(TL_MODULE_USES_run base config)
set(TL_MODULE_USES_features base config data)
set(TL_MODULE_USES_dist base config data features)
set(TL_MODULE_USES_model base config data run features)
set(TL_MODULE_USES_explain base config data run features model)
set(TL_MODULE_USES_train base config data run features dist model)
set(TL_MODULE_USES_eval base config data run features dist model explain)
set(TL_MODULE_USES_synthesis base config data run features model)
set(TL_MODULE_USES_report base config data run)
set(TL_MODULE_USES_sweep base config run report)
set(TL_TORCH_MODULES features dist model explain train eval synthesis)
set(TL_OPENCV_MODULES data features dist explain train eval synthesis)
